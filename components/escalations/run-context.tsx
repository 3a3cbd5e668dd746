import Link from "next/link";
import { KindChip } from "@/components/runs/badges";
import { Time } from "@/components/ui/time";
import type { EscalationDetail } from "@/lib/escalations/queries";
import type { StepKindName } from "@/lib/enums";

/** The run's steps that led to the request, oldest first, each linked to the full timeline. */
export function RunContext({ run, steps }: { run: NonNullable<EscalationDetail["run"]>; steps: EscalationDetail["context"] }) {
  return (
    <div className="px-5 py-4">
      <p className="mb-3 text-sm text-slate-700">
        Run{" "}
        <Link href={`/runs/${run.id}`} className="font-medium text-brand-700 hover:underline">
          {run.name ?? run.traceId}
        </Link>{" "}
        <span className="text-slate-500">({run.status.toLowerCase()})</span> — the steps before the request:
      </p>
      {steps.length === 0 ? (
        <p className="text-sm text-slate-500">No step of this run was stored before the request.</p>
      ) : (
        <ol className="space-y-1.5" data-testid="run-context">
          {steps.map((s) => (
            <li key={s.id} className="flex flex-wrap items-baseline gap-2 text-sm">
              <KindChip kind={s.kind as StepKindName} />
              <Link href={`/runs/${run.id}?step=${s.id}`} className={s.status === "FAILED" ? "font-medium text-red-700 hover:underline" : "font-medium text-slate-800 hover:underline"}>
                {s.tool ?? s.name}
              </Link>
              {s.status === "FAILED" && <span className="text-xs font-semibold text-red-700">failed</span>}
              {s.summary && <span className="min-w-0 truncate text-xs text-slate-600">{s.summary}</span>}
              <span className="ml-auto text-xs text-slate-500">
                <Time value={s.startedAt} />
              </span>
            </li>
          ))}
        </ol>
      )}
      <Link href={`/runs/${run.id}`} className="mt-3 inline-block text-sm text-brand-700 hover:underline">
        Open the full timeline →
      </Link>
    </div>
  );
}
