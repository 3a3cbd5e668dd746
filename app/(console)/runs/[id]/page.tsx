import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { RunAgentSwitch } from "@/components/agents/run-agent-switch";
import { RunRunbook } from "@/components/runbooks/run-runbook";
import { RunFlags, RunStatusBadge } from "@/components/runs/badges";
import { OutputsAndOutcome } from "@/components/runs/outputs-and-outcome";
import { RunEscalations } from "@/components/runs/run-escalations";
import { RunTimeline } from "@/components/runs/run-timeline";
import { Card } from "@/components/ui/card";
import { BackLink } from "@/components/ui/back-link";
import { PageHeader } from "@/components/ui/page-header";
import { QueryNotice } from "@/components/ui/query-notice";
import { Time } from "@/components/ui/time";
import { hasScope } from "@/lib/rbac";
import { formatCost, formatDuration, formatTokens, runTitle } from "@/lib/runs/format";
import { getRunEscalations, getRunEvaluations, getRunHeader, getRunTimeline, type RunHeader } from "@/lib/runs/run-queries";
import { firstValue } from "@/lib/security/page-query";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Run" };

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function RunPage({ params, searchParams }: Props) {
  const user = await requirePageScope("runs:read");
  const [{ id }, query] = await Promise.all([params, searchParams]);
  const run = await getRunHeader(id);
  if (!run) notFound();
  const canWrite = hasScope(user.role, "runs:write");
  const step = firstValue(query.step) ?? null;
  const duration = (run.endedAt ?? run.lastStepAt).getTime() - run.startedAt.getTime();

  return (
    <>
      <BackLink href="/runs" label="Runs" />
      <PageHeader
        title={runTitle(run)}
        description={`${run.agent ?? "Unknown agent"}${run.team ? ` · ${run.team}` : ""} · trace ${run.traceId}`}
        actions={
          <>
            <RunStatusBadge status={run.status} />
            <RunFlags flags={run.flags} />
            <Suspense fallback={null}>
              <RunAgentSwitch agentName={run.agent} canControl={hasScope(user.role, "agents:control")} />
            </Suspense>
          </>
        }
      />
      <Summary run={run} duration={duration} />
      <Banners run={run} />
      <Suspense fallback={null}>
        <RunRunbook agentName={run.agent} />
      </Suspense>
      <Suspense fallback={<div className="h-[600px] animate-pulse rounded-lg bg-slate-200/60" aria-busy="true" aria-label="Loading the timeline" />}>
        <TimelineSection run={run} step={step} canWrite={canWrite} />
      </Suspense>
      <div className="mt-6 space-y-4">
        <Suspense fallback={<div className="h-40 animate-pulse rounded-lg bg-slate-200/60" />}>
          <EvaluationsSection run={run} canWrite={canWrite} />
        </Suspense>
        <Suspense fallback={null}>
          <EscalationsSection runId={run.id} />
        </Suspense>
      </div>
    </>
  );
}

function Summary({ run, duration }: { run: RunHeader; duration: number }) {
  const stats: [string, React.ReactNode][] = [
    ["Started", <Time key="s" value={run.startedAt} />],
    ["Ended", run.endedAt ? <Time key="e" value={run.endedAt} /> : <span key="e">{run.status === "RUNNING" ? "still running" : "—"}</span>],
    ["Duration", formatDuration(duration)],
    ["Steps", `${formatTokens(run.stepCount)}${run.failedStepCount ? ` (${formatTokens(run.failedStepCount)} failed)` : ""}`],
    ["Tokens", `${formatTokens(run.inputTokens)} in · ${formatTokens(run.outputTokens)} out`],
    ["Cost", formatCost(run.costUsd, run.unpricedCount)],
  ];
  return (
    <Card className="mb-4 grid grid-cols-2 gap-x-6 gap-y-2 px-5 py-3 text-sm md:grid-cols-6">
      {stats.map(([label, value]) => (
        <div key={label}>
          <div className="text-xs text-slate-500">{label}</div>
          <div className="tabular-nums text-slate-900" data-testid={`run-${label.toLowerCase()}`}>
            {value}
          </div>
        </div>
      ))}
    </Card>
  );
}

function Banners({ run }: { run: RunHeader }) {
  return (
    <div className="mb-4 space-y-2 empty:hidden">
      {run.flags.loop && (
        <p className="rounded-md bg-amber-50 px-4 py-2 text-sm text-amber-900 ring-1 ring-amber-200" role="status" data-testid="loop-banner">
          ↻ Loop: the same tool call or decision repeated {run.loopThreshold} or more times. The repeated steps are marked “loop” below.
        </p>
      )}
      {run.flags.stall && (
        <p className="rounded-md bg-amber-50 px-4 py-2 text-sm text-amber-900 ring-1 ring-amber-200" role="status" data-testid="stall-banner">
          ⏸ Stall: no new step for more than {run.stallThresholdMinutes} minutes after <Time value={run.lastStepAt} />
          {run.status === "STALLED" ? "." : " (it has since resumed)."} The dashed line on the timeline marks where it went quiet.
        </p>
      )}
    </div>
  );
}

async function TimelineSection({ run, step, canWrite }: { run: RunHeader; step: string | null; canWrite: boolean }) {
  const timeline = await getRunTimeline(run.id);
  const stallAt = run.flags.stall && timeline.startedAt ? run.lastStepAt.getTime() - Date.parse(timeline.startedAt) : null;
  // A step link of another run (or a mangled one) opens the timeline unselected, and says so.
  const known = step !== null && timeline.items.some((item) => item.id === step);
  return (
    <>
      {step !== null && !known && <QueryNotice ignored={[{ name: "step", reason: "not a step of this run" }]} noun="parameter" />}
      <RunTimeline
        runId={run.id}
        timeline={timeline}
        initialStepId={known ? step : null}
        canWrite={canWrite}
        running={run.status === "RUNNING"}
        stallAt={stallAt}
        stepCount={run.stepCount}
      />
    </>
  );
}

async function EvaluationsSection({ run, canWrite }: { run: RunHeader; canWrite: boolean }) {
  const evaluations = await getRunEvaluations(run.id);
  return <OutputsAndOutcome run={run} evaluations={evaluations} canWrite={canWrite} />;
}

async function EscalationsSection({ runId }: { runId: string }) {
  const escalations = await getRunEscalations(runId);
  if (escalations.length === 0) return null;
  return <RunEscalations escalations={escalations} />;
}
