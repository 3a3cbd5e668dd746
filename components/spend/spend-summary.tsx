/** The view's headline figures: total cost (exact value in data-cost-usd), calls, tokens, and the previous period's cost beside it. */
import { changeOf, type SpendMeasures, type SpendPrevious } from "@/lib/spend/report";
import type { SpendRange } from "@/lib/spend/report-schema";
import { formatChange, formatCount, formatSpendUsd } from "./format";
import { changeTone } from "./spend-table";

export function SpendSummary({ range, previousRange, total, previousTotal }: { range: SpendRange; previousRange: SpendRange; total: SpendMeasures; previousTotal: SpendPrevious }) {
  const change = changeOf(total.costUsd, previousTotal.costUsd);
  const tokens = total.inputTokens + total.outputTokens;
  return (
    <dl className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="spend-summary">
      <Tile label={`Cost, ${range.from} to ${range.to}`}>
        <span data-testid="spend-total" data-cost-usd={total.costUsd}>
          {formatSpendUsd(Number(total.costUsd))}
        </span>
        {total.unpricedCalls > 0 && <span className="block text-xs font-normal text-amber-800">+ {formatCount(total.unpricedCalls)} unpriced calls</span>}
      </Tile>
      <Tile label={`Previous period, ${previousRange.from} to ${previousRange.to}`}>
        <span data-testid="spend-previous-total">{formatSpendUsd(Number(previousTotal.costUsd))}</span>
        <span className={`block text-xs font-normal ${changeTone(Number(change.deltaUsd))}`}>{formatChange(Number(change.deltaUsd), change.ratio)}</span>
      </Tile>
      <Tile label="Calls">{formatCount(total.calls)}</Tile>
      <Tile label="Tokens (input + output)">
        {formatCount(tokens)}
        <span className="block text-xs font-normal text-slate-500">{formatCount(total.cachedInputTokens)} cached input</span>
      </Tile>
    </dl>
  );
}

function Tile({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-xs">
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd className="mt-1 text-xl font-semibold tabular-nums text-slate-900">{children}</dd>
    </div>
  );
}
