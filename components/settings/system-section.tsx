/**
 * Settings › System: the periodic jobs (lib/jobs), each with its interval, its
 * last run and outcome, its counts and its last error, and "Run now". A server
 * component: it reads JobState itself, and only the button is client code.
 */
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { formatInterval, formatRelative, formatSummary } from "@/lib/jobs/format";
import { listJobStatuses, type JobStatus } from "@/lib/jobs/queries";
import { formatDuration } from "@/lib/runs/format";
import { RunJobButton } from "./run-job-button";

function LastRun({ job, now }: { job: JobStatus; now: Date }) {
  const run = job.lastRun;
  if (!run) return <span className="text-slate-500">never</span>;
  return (
    <div className="space-y-0.5">
      <div className="flex items-center gap-1.5">
        <span className="text-slate-900">{formatRelative(run.startedAt, now)}</span>
        {run.outcome === "failed" && <Badge tone="red">failed</Badge>}
        {run.outcome === "unfinished" && (
          <Badge tone="amber" title="Started and not finished: running now, or its instance stopped mid-run.">
            not finished
          </Badge>
        )}
      </div>
      <div className="text-xs text-slate-500">
        <Time value={run.startedAt} />
      </div>
    </div>
  );
}

export async function SystemSection() {
  const jobs = await listJobStatuses();
  const now = new Date();
  return (
    <Card>
      <CardHeader
        title="System"
        description="Periodic jobs. Each tick runs on one instance, at most once per interval, whichever instances are up."
      />
      <Table aria-label="Periodic jobs">
        <thead className="bg-slate-50">
          <tr>
            <Th>Job</Th>
            <Th>Interval</Th>
            <Th>Last run</Th>
            <Th className="text-right">Duration</Th>
            <Th>Last summary</Th>
            <Th className="text-right">Runs / failures</Th>
            <Th>Last error</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {jobs.map((job) => (
            <tr key={job.name} data-testid={`job-row-${job.name}`}>
              <Td>
                <code className="text-xs font-semibold text-slate-900">{job.name}</code>
                <p className="mt-0.5 max-w-xs text-xs text-slate-500">{job.description}</p>
              </Td>
              <Td className="whitespace-nowrap text-xs">{formatInterval(job.intervalMs)}</Td>
              <Td className="whitespace-nowrap text-xs" data-testid="job-last-run">
                <LastRun job={job} now={now} />
              </Td>
              <Td className="whitespace-nowrap text-right text-xs tabular-nums">{formatDuration(job.lastRun?.durationMs ?? null)}</Td>
              <Td className="text-xs" data-testid="job-summary">
                {formatSummary(job.lastRun?.summary ?? null)}
              </Td>
              <Td className="whitespace-nowrap text-right text-xs tabular-nums">
                <span data-testid="job-runs">{job.runs}</span> / <span className={job.failures > 0 ? "text-red-700" : undefined}>{job.failures}</span>
                {job.lastFailureAt && (
                  <div className="text-slate-500">
                    last failed <Time value={job.lastFailureAt} />
                  </div>
                )}
              </Td>
              <Td className="text-xs" data-testid="job-error">
                {job.lastRun?.error ? (
                  <p className="max-w-sm break-words rounded bg-red-50 px-2 py-1 text-red-800 ring-1 ring-inset ring-red-200">
                    {job.lastRun.error}
                  </p>
                ) : (
                  <span className="text-slate-500">—</span>
                )}
              </Td>
              <Td className="text-right">
                <RunJobButton name={job.name} />
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}
