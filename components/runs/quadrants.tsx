import Link from "next/link";
import { cn } from "@/components/ui/cn";
import type { RunCounts } from "@/lib/runs/queries";
import { runFilterQuery, type RunFilter } from "@/lib/runs/schemas";

const CELLS = [
  { output: "good", outcome: "success", key: "goodSuccess", title: "Good output, good outcome", tone: "ring-emerald-200 bg-emerald-50/60" },
  { output: "good", outcome: "failure", key: "goodFailure", title: "Good text, wrong action", tone: "ring-red-200 bg-red-50/60" },
  { output: "bad", outcome: "success", key: "badSuccess", title: "Bad output, good outcome", tone: "ring-amber-200 bg-amber-50/60" },
  { output: "bad", outcome: "failure", key: "badFailure", title: "Bad output, bad outcome", tone: "ring-slate-300 bg-slate-50" },
] as const;

/** Output quality against recorded outcome: each cell is a one-click filter. */
export function Quadrants({ counts, filter }: { counts: RunCounts["quadrants"]; filter: RunFilter }) {
  return (
    <nav aria-label="Output and outcome quadrants" className="mb-4 grid grid-cols-2 gap-2 md:grid-cols-4">
      {CELLS.map((c) => {
        const active = filter.output === c.output && filter.outcome === c.outcome;
        const href = active ? `/runs?${runFilterQuery(filter, { output: undefined, outcome: undefined, cursor: undefined })}` : `/runs?${runFilterQuery(filter, { output: c.output, outcome: c.outcome, cursor: undefined })}`;
        return (
          <Link
            key={c.key}
            href={href}
            aria-current={active ? "true" : undefined}
            data-testid={`quadrant-${c.key}`}
            className={cn("rounded-lg px-4 py-3 ring-1 ring-inset hover:ring-2", c.tone, active && "ring-2 ring-brand-500")}
          >
            <div className="text-xs font-medium text-slate-600">{c.title}</div>
            <div className="mt-1 text-xl font-semibold tabular-nums text-slate-900">{counts[c.key].toLocaleString("en-US")}</div>
          </Link>
        );
      })}
    </nav>
  );
}
