import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { RunFilters } from "@/components/runs/run-filters";
import { RunsTable } from "@/components/runs/runs-table";
import { Quadrants } from "@/components/runs/quadrants";
import { STATUS_LABELS } from "@/components/runs/badges";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { QueryNotice } from "@/components/ui/query-notice";
import { decodeCursor } from "@/lib/ids";
import { countRuns, listRuns, runFacets } from "@/lib/runs/queries";
import { FLAG_LABELS, parseRunFilterReport, RUN_FLAGS, RUN_STATUSES, runFilterQuery, type RunFilter } from "@/lib/runs/schemas";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Runs" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function RunsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePageScope("runs:read");
  const { filter, ignored } = parseRunFilterReport(await searchParams, decodeCursor);
  const facets = await runFacets();
  return (
    <>
      <PageHeader
        title="Runs"
        description="Every agent run: filter by agent, team, status and flags; open one for its decision timeline. Times are UTC."
      />
      <QueryNotice ignored={ignored} />
      <RunFilters facets={facets} filter={filter} />
      <Suspense key={runFilterQuery(filter)} fallback={<ListSkeleton />}>
        <RunsResults filter={filter} />
      </Suspense>
    </>
  );
}

async function RunsResults({ filter }: { filter: RunFilter }) {
  const [{ runs, nextCursor }, counts] = await Promise.all([listRuns(filter), countRuns(filter)]);
  const base = runFilterQuery(filter, { cursor: undefined });
  return (
    <>
      <Quadrants counts={counts.quadrants} filter={filter} />
      <div className="mb-3 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-slate-600" data-testid="run-counts">
        <span>
          <strong className="text-slate-900" data-testid="run-total">
            {counts.total.toLocaleString("en-US")}
          </strong>{" "}
          runs
        </span>
        {RUN_STATUSES.filter((s) => counts.byStatus[s] > 0).map((s) => (
          <Link key={s} href={`/runs?${runFilterQuery(filter, { status: s, cursor: undefined })}`} className="hover:underline">
            {STATUS_LABELS[s]} {counts.byStatus[s].toLocaleString("en-US")}
          </Link>
        ))}
        {RUN_FLAGS.filter((f) => counts.flags[f] > 0).map((f) => (
          <Link
            key={f}
            href={`/runs?${runFilterQuery(filter, { flag: [...new Set([...filter.flag, f])], cursor: undefined })}`}
            className="hover:underline"
          >
            {FLAG_LABELS[f]} {counts.flags[f].toLocaleString("en-US")}
          </Link>
        ))}
      </div>
      {runs.length === 0 ? (
        <EmptyState title={counts.total === 0 && !base ? "No runs yet" : "No runs match"}>
          {base
            ? "Clear a filter or widen the time range."
            : "Runs appear here once agents send OpenTelemetry GenAI spans to /api/otel/v1/traces or batches to /api/v1/ingest."}
        </EmptyState>
      ) : (
        <Card>
          <RunsTable runs={runs} />
          <div className="flex items-center justify-between border-t border-slate-100 px-4 py-3 text-sm text-slate-600">
            <span>
              {runs.length.toLocaleString("en-US")} shown{filter.cursor ? " (later page)" : ""}
            </span>
            <span className="flex gap-2">
              {filter.cursor && (
                <Link href={`/runs?${base}`} className={buttonClass("secondary", "sm")}>
                  First page
                </Link>
              )}
              {nextCursor && (
                <Link href={`/runs?${runFilterQuery(filter, { cursor: nextCursor })}`} className={buttonClass("secondary", "sm")} rel="next">
                  Next page
                </Link>
              )}
            </span>
          </div>
        </Card>
      )}
    </>
  );
}

function ListSkeleton() {
  return (
    <div className="space-y-2" aria-busy="true" aria-label="Loading runs">
      <div className="grid grid-cols-4 gap-2">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="h-16 animate-pulse rounded-lg bg-slate-200/70" />
        ))}
      </div>
      {[0, 1, 2, 3, 4, 5].map((i) => (
        <div key={i} className="h-10 animate-pulse rounded bg-slate-200/60" />
      ))}
    </div>
  );
}
