/**
 * The spend report of one view: headline figures against the previous period,
 * unpriced calls, the chart by day, the table by the chosen group with the
 * CSV downloads, and the top movers. Mounted by the page inside a <Suspense>.
 */
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { buttonClass } from "@/components/ui/button";
import { formatSpendUsd } from "@/components/spend/format";
import { SpendChart } from "@/components/spend/spend-chart";
import { SpendSummary } from "@/components/spend/spend-summary";
import { SpendTable } from "@/components/spend/spend-table";
import { TopMovers } from "@/components/spend/top-movers";
import { UnpricedNotice } from "@/components/spend/unpriced-notice";
import { CHART_SERIES, getSpendReport } from "@/lib/spend/report";
import { SPEND_GROUP_LABELS, spendQueryString, type SpendQuery } from "@/lib/spend/report-schema";

export async function ReportSection({ query, canEditPrices }: { query: SpendQuery; canEditPrices: boolean }) {
  const report = await getSpendReport(query);
  const group = SPEND_GROUP_LABELS[query.groupBy].toLowerCase();
  if (report.rows.length === 0) {
    const before = Number(report.previousTotal.costUsd);
    return (
      <EmptyState title="No spend in this range">
        <p>
          No LLM calls were recorded from {query.from} to {query.to} (UTC){filtersText(query)}.
          {before > 0 && ` The previous period (${report.previousRange.from} to ${report.previousRange.to}) cost ${formatSpendUsd(before)}.`}
        </p>
        <p className="mt-1">Widen the range or clear a filter.</p>
      </EmptyState>
    );
  }
  const csv = `/spend/export.csv?${spendQueryString(query)}`;
  return (
    <>
      <SpendSummary range={query} previousRange={report.previousRange} total={report.total} previousTotal={report.previousTotal} />
      <UnpricedNotice calls={report.total.unpricedCalls} models={report.unpricedModels} canEditPrices={canEditPrices} />
      <Card className="mb-6">
        <CardHeader
          title="Cost per day"
          description={
            query.groupBy === "day" ? "UTC days." : `UTC days, stacked by ${group}: the ${CHART_SERIES} costliest, the rest as Other.`
          }
        />
        <div className="px-5 py-4">
          <SpendChart query={query} series={report.chart.series} days={report.chart.days} groupNoun={group} />
        </div>
      </Card>
      <Card className="mb-6">
        <CardHeader
          title={`By ${group}`}
          description={`Against the previous period of equal length, ${report.previousRange.from} to ${report.previousRange.to}.`}
          action={
            <div className="flex shrink-0 gap-2">
              <a href={csv} download className={buttonClass("secondary", "sm")} data-testid="download-csv">
                Download CSV
              </a>
              <a href={`/spend/export.csv?${spendQueryString({ ...query, detail: true })}`} download className={buttonClass("ghost", "sm")} title="One line per day, team, agent, model and prompt version">
                Detail CSV
              </a>
            </div>
          }
        />
        <SpendTable query={query} rows={report.rows} total={report.total} previousTotal={report.previousTotal} />
      </Card>
      {report.movers && (
        <Card className="mb-6">
          <CardHeader title="Top movers" description={`The ${group}s whose cost changed most against the previous period.`} />
          <TopMovers query={query} increases={report.movers.increases} decreases={report.movers.decreases} />
        </Card>
      )}
    </>
  );
}

function filtersText(query: SpendQuery): string {
  const parts = (["agent", "team", "model", "prompt"] as const).filter((k) => query[k]).map((k) => `${k} ${query[k]}`);
  return parts.length ? ` for ${parts.join(", ")}` : "";
}
