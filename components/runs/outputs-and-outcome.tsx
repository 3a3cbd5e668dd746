import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Time } from "@/components/ui/time";
import { formatScore } from "@/lib/runs/format";
import type { EvaluationView, RunHeader } from "@/lib/runs/run-queries";
import { OutcomeForm } from "./outcome-form";

const OUTCOME_TONE = { SUCCESS: "green", FAILURE: "red", UNKNOWN: "gray" } as const;

/** Output quality (step evaluations) beside the run's outcome, so "good text, wrong action" shows. */
export function OutputsAndOutcome({ run, evaluations, canWrite }: { run: RunHeader; evaluations: EvaluationView[]; canWrite: boolean }) {
  const outputs = evaluations.filter((e) => e.kind === "OUTPUT");
  const outcomes = evaluations.filter((e) => e.kind === "OUTCOME");
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card data-testid="outputs-card">
        <CardHeader title="Outputs" description={`Quality of the run's model outputs: ${formatScore(run.outputScore)} (latest human score, else the mean of automatic scores).`} />
        {outputs.length === 0 ? (
          <p className="px-5 py-4 text-sm text-slate-500">No output has been scored. Select an LLM step to score it.</p>
        ) : (
          <ul className="max-h-64 divide-y divide-slate-100 overflow-auto text-sm">
            {outputs.slice(0, 100).map((e) => (
              <li key={e.id} className="flex flex-wrap items-center gap-2 px-5 py-2">
                <Badge tone={e.passed === false ? "red" : e.passed ? "green" : "gray"}>
                  {e.passed === false ? "✖" : e.passed ? "✓" : "•"} {e.name}
                </Badge>
                <span className="text-xs text-slate-500">{e.source.toLowerCase()}</span>
                {e.stepName && <span className="truncate text-xs text-slate-600">on {e.stepName}</span>}
                {e.label && <span className="text-xs">{e.label}</span>}
                {e.comment && <span className="text-xs text-slate-600">“{e.comment}”</span>}
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card data-testid="outcome-card">
        <CardHeader title="Outcome" description="What the run achieved in the business, recorded by an ops lead or sent by the agent." />
        <div className="space-y-2 px-5 py-4 text-sm">
          <div className="flex items-center gap-2">
            <Badge tone={OUTCOME_TONE[run.outcome]} data-testid="run-outcome">
              {run.outcome === "SUCCESS" ? "✓ Success" : run.outcome === "FAILURE" ? "✖ Failure" : "? Unknown"}
            </Badge>
          </div>
          {run.outcomeImpact && (
            <p className="text-slate-700">
              <span className="text-slate-500">Impact: </span>
              {run.outcomeImpact}
            </p>
          )}
          {run.sideEffects.length > 0 && (
            <div>
              <span className="text-slate-500">Side effects:</span>
              <ul className="ml-5 list-disc text-slate-700">
                {run.sideEffects.map((s, i) => (
                  <li key={i}>{s}</li>
                ))}
              </ul>
            </div>
          )}
          {outcomes.slice(0, 5).map((e) => (
            <p key={e.id} className="text-xs text-slate-500">
              {e.label ?? e.name} · {e.by ?? e.source.toLowerCase()} · <Time value={e.createdAt} />
            </p>
          ))}
        </div>
        {canWrite && <OutcomeForm runId={run.id} outcome={run.outcome} impact={run.outcomeImpact} sideEffects={run.sideEffects} />}
      </Card>
    </div>
  );
}
