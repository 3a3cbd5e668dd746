/**
 * The report's table: per group its calls, tokens, cost and share of the
 * total, the previous period's cost and the change; a click on a row (or its
 * name, a link) opens the runs behind it, as far as the runs list can narrow.
 */
import Link from "next/link";
import { Table, Td, Th } from "@/components/ui/table";
import { changeOf, shareOf, type SpendMeasures, type SpendPrevious, type SpendReportRow } from "@/lib/spend/report";
import { runsLinkFor, SPEND_GROUP_LABELS, type SpendQuery } from "@/lib/spend/report-schema";
import { ClickableRow } from "./clickable-row";
import { formatChange, formatCount, formatShare, formatSpendCost } from "./format";

export function SpendTable({ query, rows, total, previousTotal }: { query: SpendQuery; rows: SpendReportRow[]; total: SpendMeasures; previousTotal: SpendPrevious }) {
  const caveats = new Set<string>();
  const links = rows.map((r) => {
    const link = runsLinkFor(query, r.ref);
    if (link.caveat) caveats.add(link.caveat);
    return link;
  });
  const byDay = query.groupBy === "day";
  return (
    <>
      <Table aria-label={`Spend by ${SPEND_GROUP_LABELS[query.groupBy].toLowerCase()}`} data-testid="spend-table">
        <thead className="bg-slate-50">
          <tr>
            <Th>{SPEND_GROUP_LABELS[query.groupBy]}</Th>
            <Th className="text-right">Calls</Th>
            <Th className="text-right">Input tokens</Th>
            <Th className="text-right">Output tokens</Th>
            <Th className="text-right">Cached tokens</Th>
            <Th className="text-right">Cost</Th>
            <Th className="text-right">Share</Th>
            <Th className="text-right" title={byDay ? "The day as many days before as the range is long" : "The same group in the previous period"}>
              Previous
            </Th>
            <Th className="text-right">Change</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r, i) => {
            const change = changeOf(r.costUsd, r.previous.costUsd);
            return (
              <ClickableRow key={`${r.groupId}-${r.ref.version}`} href={links[i]!.href} data-testid="spend-row">
                <Td className="max-w-72">
                  <Link href={links[i]!.href} className="font-medium text-brand-700 hover:underline" aria-label={`${r.label}: its runs`} data-testid="spend-row-link">
                    {r.label}
                  </Link>
                </Td>
                <Td className="text-right tabular-nums">
                  {formatCount(r.calls)}
                  {r.unpricedCalls > 0 && <span className="block text-xs text-amber-800">{formatCount(r.unpricedCalls)} unpriced</span>}
                </Td>
                <Td className="text-right tabular-nums">{formatCount(r.inputTokens)}</Td>
                <Td className="text-right tabular-nums">{formatCount(r.outputTokens)}</Td>
                <Td className="text-right tabular-nums">{formatCount(r.cachedInputTokens)}</Td>
                <Td className="whitespace-nowrap text-right tabular-nums" data-cost-usd={r.costUsd}>
                  {formatSpendCost(Number(r.costUsd), r.unpricedCalls)}
                </Td>
                <Td className="whitespace-nowrap text-right tabular-nums">{formatShare(shareOf(r.costUsd, total.costUsd))}</Td>
                <Td className="whitespace-nowrap text-right tabular-nums text-slate-500">{formatSpendCost(Number(r.previous.costUsd), r.previous.unpricedCalls)}</Td>
                <Td className={`whitespace-nowrap text-right tabular-nums ${changeTone(Number(change.deltaUsd))}`}>{formatChange(Number(change.deltaUsd), change.ratio)}</Td>
              </ClickableRow>
            );
          })}
        </tbody>
        <tfoot className="border-t-2 border-slate-200 bg-slate-50 font-medium text-slate-900">
          <tr data-testid="spend-total-row">
            <Th scope="row" className="text-sm normal-case tracking-normal text-slate-900">
              Total
            </Th>
            <Td className="text-right tabular-nums">{formatCount(total.calls)}</Td>
            <Td className="text-right tabular-nums">{formatCount(total.inputTokens)}</Td>
            <Td className="text-right tabular-nums">{formatCount(total.outputTokens)}</Td>
            <Td className="text-right tabular-nums">{formatCount(total.cachedInputTokens)}</Td>
            <Td className="whitespace-nowrap text-right tabular-nums">{formatSpendCost(Number(total.costUsd), total.unpricedCalls)}</Td>
            <Td className="whitespace-nowrap text-right tabular-nums">{Number(total.costUsd) > 0 ? "100 %" : "—"}</Td>
            <Td className="whitespace-nowrap text-right tabular-nums text-slate-500">{formatSpendCost(Number(previousTotal.costUsd), previousTotal.unpricedCalls)}</Td>
            <Td className="whitespace-nowrap text-right tabular-nums">
              {(() => {
                const change = changeOf(total.costUsd, previousTotal.costUsd);
                return formatChange(Number(change.deltaUsd), change.ratio);
              })()}
            </Td>
          </tr>
        </tfoot>
      </Table>
      <div className="space-y-1 border-t border-slate-100 px-4 py-3 text-xs text-slate-500">
        <p>Click a row for the runs behind it (runs started in the range{byDay ? " or on that day" : ""}; spend counts each call on its own UTC day).</p>
        {[...caveats].map((c) => (
          <p key={c}>{c}</p>
        ))}
      </div>
    </>
  );
}

/** More spend reads as a warning, less as good news; the sign says it too. */
export function changeTone(delta: number): string {
  if (delta > 0) return "text-amber-800";
  if (delta < 0) return "text-emerald-700";
  return "text-slate-500";
}

