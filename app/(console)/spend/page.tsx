// Spend: the report for a range of UTC days by day, model, agent, team or prompt version, cost per outcome, and budgets.
import type { Metadata } from "next";
import { Suspense } from "react";
import { SectionSkeleton, SpendReportSkeleton } from "@/components/spend/skeletons";
import { SpendFilters } from "@/components/spend/spend-filters";
import { PageHeader } from "@/components/ui/page-header";
import { QueryNotice } from "@/components/ui/query-notice";
import { hasScope } from "@/lib/rbac";
import { requirePageScope } from "@/lib/session";
import { spendFacets } from "@/lib/spend/report";
import { parseSpendPageParams, spendQueryString, todayUtc } from "@/lib/spend/report-schema";
import { BudgetsSection } from "./budgets-section";
import { OutcomesSection } from "./outcomes-section";
import { ReportSection } from "./report-section";

export const metadata: Metadata = { title: "Spend" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SpendPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageScope("spend:read");
  const today = todayUtc();
  const { query, form, errors, ignored } = parseSpendPageParams(await searchParams, today);
  const facets = await spendFacets();
  const view = query ? spendQueryString(query) : "invalid";
  return (
    <>
      <PageHeader
        title="Spend"
        description="Token spend by day, model, agent, team and prompt version. Days are UTC days (00:00–24:00 UTC) and ranges include both ends; each call counts on the UTC day it started."
      />
      <QueryNotice ignored={ignored} />
      <SpendFilters key={view} form={form} errors={errors} today={today} facets={facets} />
      {query ? (
        <>
          <Suspense key={`report-${view}`} fallback={<SpendReportSkeleton />}>
            <ReportSection query={query} canEditPrices={hasScope(user.role, "admin")} />
          </Suspense>
          <Suspense key={`outcomes-${view}`} fallback={<SectionSkeleton label="Loading cost per outcome" />}>
            <OutcomesSection query={query} />
          </Suspense>
        </>
      ) : (
        <div role="alert" className="mb-6 rounded-md bg-red-50 px-4 py-3 text-sm text-red-800 ring-1 ring-red-200" data-testid="spend-range-error">
          <p className="font-medium">This range cannot be shown.</p>
          <ul className="mt-1 list-disc pl-5">
            {errors.from && <li>From: {errors.from}</li>}
            {errors.to && <li>To: {errors.to}</li>}
          </ul>
          <p className="mt-1">Pick a preset or fix the dates (YYYY-MM-DD, at most 366 days).</p>
        </div>
      )}
      <Suspense fallback={<SectionSkeleton label="Loading budgets" />}>
        <BudgetsSection />
      </Suspense>
    </>
  );
}
