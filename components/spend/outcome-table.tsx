/**
 * Cost per outcome for agents or prompt versions (lib/spend/outcomes.ts has
 * the definitions): runs, successful runs, cost per run, per successful run
 * and per call. No successful run is "—" with a note, never a division by zero.
 */
import Link from "next/link";
import { Table, Td, Th } from "@/components/ui/table";
import type { CostPerOutcomeRow } from "@/lib/spend/outcomes";
import type { SpendQuery } from "@/lib/spend/report-schema";
import { runFilterQuery, type RunFilter } from "@/lib/runs/schemas";
import { formatCount, formatShare, formatSpendUsd } from "./format";

export function OutcomeTable({ kind, rows, query }: { kind: "agent" | "prompt"; rows: CostPerOutcomeRow[]; query: SpendQuery }) {
  const noun = kind === "agent" ? "Agent" : "Prompt version";
  const runsHref = (r: CostPerOutcomeRow, extra: Partial<RunFilter> = {}) => {
    const filter: Partial<RunFilter> = { from: query.from, to: query.to, agent: query.agent, team: query.team, ...extra };
    if (kind === "agent" && !r.none) filter.agent = r.name;
    if (kind === "prompt") {
      filter.prompt = r.name;
      filter.promptVersion = r.version > 0 ? String(r.version) : undefined;
    }
    return `/runs?${runFilterQuery(filter)}`;
  };
  const lowerBound = rows.some((r) => r.unpricedRuns > 0 || r.unpricedCalls > 0);
  return (
    <>
      <Table aria-label={`Cost per outcome by ${noun.toLowerCase()}`} data-testid={`outcomes-${kind}`}>
        <thead className="bg-slate-50">
          <tr>
            <Th>{noun}</Th>
            <Th className="text-right">Runs</Th>
            <Th className="text-right">Successful</Th>
            <Th className="text-right">Cost of the runs</Th>
            <Th className="text-right">Cost / run</Th>
            <Th className="text-right">Cost / successful run</Th>
            <Th className="text-right">Calls</Th>
            <Th className="text-right">Cost / call</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => {
            // Runs with unpriced calls cost at least this much; when nothing of theirs was priced, say so instead of $0.
            const bound = r.unpricedRuns > 0 ? "≥ " : "";
            const runMoney = (v: number) => (Number(r.runCostUsd) === 0 && r.unpricedRuns > 0 ? "unpriced" : `${bound}${formatSpendUsd(v)}`);
            return (
              <tr key={`${r.key}-${r.version}`} data-testid={`outcome-row-${r.key || "none"}`}>
                <Td className="max-w-72 font-medium text-slate-900">
                  {r.none || r.runs === 0 ? (
                    r.label
                  ) : (
                    <Link href={runsHref(r)} className="text-brand-700 hover:underline" aria-label={`${r.label}: its runs`}>
                      {r.label}
                    </Link>
                  )}
                </Td>
                <Td className="text-right tabular-nums">{formatCount(r.runs)}</Td>
                <Td className="text-right tabular-nums">
                  {r.successes > 0 && !r.none ? (
                    <Link href={runsHref(r, { outcome: "success" })} className="text-brand-700 hover:underline" aria-label={`${formatCount(r.successes)} successful runs of ${r.label}`}>
                      {formatCount(r.successes)}
                    </Link>
                  ) : (
                    formatCount(r.successes)
                  )}
                  {r.runs > 0 && <span className="block text-xs text-slate-500">{formatShare(r.successes / r.runs)}</span>}
                </Td>
                <Td className="whitespace-nowrap text-right tabular-nums">
                  {runMoney(Number(r.runCostUsd))}
                </Td>
                <Td className="whitespace-nowrap text-right tabular-nums">{r.costPerRun === null ? "—" : runMoney(r.costPerRun)}</Td>
                <Td className="whitespace-nowrap text-right tabular-nums" data-testid="cost-per-success">
                  {r.costPerSuccessfulRun === null ? (
                    <>
                      —<span className="block text-xs text-slate-500">{r.runs === 0 ? "no runs started in the range" : "no successful run"}</span>
                    </>
                  ) : (
                    runMoney(r.costPerSuccessfulRun)
                  )}
                </Td>
                <Td className="text-right tabular-nums">
                  {formatCount(r.calls)}
                  {r.unpricedCalls > 0 && <span className="block text-xs text-amber-800">{formatCount(r.unpricedCalls)} unpriced</span>}
                </Td>
                <Td className="whitespace-nowrap text-right tabular-nums">
                  {r.costPerCall !== null ? `${r.unpricedCalls > 0 ? "≥ " : ""}${formatSpendUsd(r.costPerCall)}` : r.calls > 0 ? "unpriced" : "—"}
                </Td>
              </tr>
            );
          })}
        </tbody>
      </Table>
      {lowerBound && <p className="px-4 pb-3 pt-2 text-xs text-slate-500">≥: some of these calls had no price, so the cost is a lower bound.</p>}
    </>
  );
}
