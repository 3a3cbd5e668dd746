import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { AuditTable } from "@/components/audit/audit-table";
import { AuditFilters } from "@/components/audit/audit-filters";
import { ChainStatus } from "@/components/audit/chain-status";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { QueryNotice } from "@/components/ui/query-notice";
import { auditFacets, auditFilterReport, listAuditEvents, verifyAuditLog, type AuditFilter } from "@/lib/audit/queries";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Audit" };

// The access check comes first, outside any Suspense boundary, so a denied page answers 403;
// the slow parts (the events, the chain verification) stream in below it.
export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageScope("audit:read");
  const params = await searchParams;
  const { filter, ignored } = auditFilterReport(params);
  const facets = await auditFacets();
  // Links carry only the filters in effect: an ignored value is not passed on to the next page.
  const query = new URLSearchParams(
    Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
  const verifyQuery = new URLSearchParams(query);
  verifyQuery.set("verify", "1");

  return (
    <>
      <PageHeader
        title="Audit log"
        description={`Every change by a person, an API key or the system, hash-chained so that tampering shows. ${facets.total.toLocaleString("en")} events.`}
        actions={
          <Link href={`/audit?${verifyQuery}`} className={buttonClass("secondary")} prefetch={false}>
            Verify chain
          </Link>
        }
      />
      {params.verify && (
        <Suspense fallback={<Pending label="Verifying the whole chain…" className="mb-5 h-12" />}>
          <Verification />
        </Suspense>
      )}
      <QueryNotice ignored={ignored} />
      <AuditFilters facets={facets} filter={filter} />
      <Suspense fallback={<Pending label="Loading audit events…" className="h-96" />}>
        <Events filter={filter} query={query} />
      </Suspense>
    </>
  );
}

function Pending({ label, className }: { label: string; className: string }) {
  return (
    <div role="status" aria-label={label} className={`animate-pulse rounded-lg border border-slate-200 bg-white ${className}`}>
      <span className="sr-only">{label}</span>
    </div>
  );
}

async function Verification() {
  return <ChainStatus result={await verifyAuditLog()} />;
}

async function Events({ filter, query }: { filter: AuditFilter; query: URLSearchParams }) {
  const { events, nextBefore } = await listAuditEvents(filter);
  if (events.length === 0) return <EmptyState title="No audit events match">Clear a filter or widen the dates.</EmptyState>;
  const nextQuery = new URLSearchParams(query);
  if (nextBefore) nextQuery.set("before", nextBefore.toString());
  return (
    <Card>
      <AuditTable events={events} />
      <div className="flex items-center justify-between border-t border-slate-100 px-4 py-3 text-sm text-slate-600">
        <span>
          Showing #{events[0]!.seq.toString()} to #{events[events.length - 1]!.seq.toString()}
        </span>
        <span className="flex gap-2">
          {filter.before && (
            <Link href={`/audit?${query}`} className={buttonClass("secondary", "sm")}>
              Newest
            </Link>
          )}
          {nextBefore && (
            <Link href={`/audit?${nextQuery}`} className={buttonClass("secondary", "sm")}>
              Older
            </Link>
          )}
        </span>
      </div>
    </Card>
  );
}
