/**
 * Cost per outcome for the view's range: per agent and per prompt version,
 * what a run and a successful run cost next to what a call costs.
 * Definitions: lib/spend/outcomes.ts, stated here for the reader.
 */
import { Card, CardHeader } from "@/components/ui/card";
import { OutcomeTable } from "@/components/spend/outcome-table";
import { getCostPerOutcome, OUTCOME_ROWS } from "@/lib/spend/outcomes";
import type { SpendQuery } from "@/lib/spend/report-schema";

export async function OutcomesSection({ query }: { query: SpendQuery }) {
  const outcomes = await getCostPerOutcome(query);
  return (
    <Card className="mb-6" data-testid="cost-per-outcome">
      <CardHeader title="Cost per outcome" description={`Runs started from ${query.from} to ${query.to} (UTC).`} />
      <div className="space-y-1 px-5 pt-4 text-sm text-slate-600" data-testid="outcome-definitions">
        <p>
          <strong className="font-medium text-slate-800">Cost per successful run</strong> = the total cost of the runs ÷ the runs whose outcome is
          success (the spend of failed and unknown runs is charged to the successes). Cost per run = the same total ÷ all runs.
        </p>
        <p>
          A run counts for its agent, and for every prompt version its LLM calls used. Cost per call is the spend of the calls in the range ÷
          those calls, as in the report above.
        </p>
        {outcomes.notApplied.length > 0 && <p className="text-amber-800">Not applied to runs: {outcomes.notApplied.join("; ")}.</p>}
      </div>
      <Part title="Per agent" empty="No runs or calls in this range.">
        {outcomes.byAgent.length > 0 && <OutcomeTable kind="agent" rows={outcomes.byAgent} query={query} />}
      </Part>
      <Part title="Per prompt version" empty="No LLM call named a prompt in this range.">
        {outcomes.byPromptVersion.length > 0 && <OutcomeTable kind="prompt" rows={outcomes.byPromptVersion} query={query} />}
      </Part>
      {(outcomes.byAgent.length === OUTCOME_ROWS || outcomes.byPromptVersion.length === OUTCOME_ROWS) && (
        <p className="px-5 pb-4 text-xs text-slate-500">Each table shows its first {OUTCOME_ROWS} rows; narrow the view by agent, team or prompt for the rest.</p>
      )}
    </Card>
  );
}

function Part({ title, empty, children }: { title: string; empty: string; children: React.ReactNode }) {
  return (
    <section className="mt-4 border-t border-slate-100 pt-3" aria-label={`Cost per outcome, ${title.toLowerCase()}`}>
      <h3 className="px-5 pb-2 text-sm font-semibold text-slate-800">{title}</h3>
      {children || <p className="px-5 pb-4 text-sm text-slate-500">{empty}</p>}
    </section>
  );
}
