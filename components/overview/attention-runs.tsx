import Link from "next/link";
import { runTitle } from "@/lib/runs/format";
import { Card, CardHeader } from "@/components/ui/card";
import { Time } from "@/components/ui/time";
import type { AttentionRun } from "@/lib/overview/queries";

/** A short list of runs that need a look, with a link to the full filtered list. */
export function AttentionRuns({ title, description, runs, moreHref, empty, testId }: { title: string; description: string; runs: AttentionRun[]; moreHref: string; empty: string; testId: string }) {
  return (
    <Card data-testid={testId}>
      <CardHeader
        title={title}
        description={description}
        action={
          <Link href={moreHref} className="whitespace-nowrap text-sm text-brand-600 hover:underline">
            All
          </Link>
        }
      />
      {runs.length === 0 ? (
        <p className="px-5 py-4 text-sm text-slate-500">{empty}</p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {runs.map((r) => (
            <li key={r.id} className="px-5 py-2.5">
              <Link href={`/runs/${r.id}`} className="font-medium text-brand-700 hover:underline">
                {runTitle(r)}
              </Link>
              <div className="text-xs text-slate-500">
                {r.agent ?? "unknown agent"} · last step <Time value={r.lastStepAt} />
                {r.failedStepCount > 0 && <span className="text-red-700"> · {r.failedStepCount} failed steps</span>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
