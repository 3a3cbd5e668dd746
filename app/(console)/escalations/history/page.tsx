// Decided escalations: who decided, when, and how long the agent waited; newest first.
import type { Metadata } from "next";
import Link from "next/link";
import { HistoryTable } from "@/components/escalations/history-table";
import { BackLink } from "@/components/ui/back-link";
import { buttonClass } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { QueryNotice } from "@/components/ui/query-notice";
import { listHistory, queueFilterReport } from "@/lib/escalations/queries";
import { firstValue, type PageSearchParams } from "@/lib/security/page-query";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Escalation history" };
export const dynamic = "force-dynamic";

export default async function EscalationHistoryPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  await requirePageScope("escalations:read");
  const params = await searchParams;
  const { filter, ignored } = queueFilterReport(params);
  const cursor = firstValue(params.cursor);
  const { rows, nextCursor } = await listHistory({ ...filter, cursor });
  const next = new URLSearchParams(Object.entries({ ...filter, cursor: nextCursor ?? undefined }).filter((e): e is [string, string] => typeof e[1] === "string"));
  return (
    <>
      <BackLink href="/escalations" label="Escalations" />
      <PageHeader title="Escalation history" description="Every decided escalation: approved, rejected, expired at its deadline or cancelled by the agent, with who decided and how long the agent waited." />
      <QueryNotice ignored={ignored} />
      <Card>
        <CardHeader title="Decided" description="Newest decision first." />
        {rows.length === 0 ? (
          <div className="p-5">
            <EmptyState title="Nothing decided yet">Decisions on escalations appear here.</EmptyState>
          </div>
        ) : (
          <HistoryTable rows={rows} />
        )}
        {nextCursor && (
          <div className="border-t border-slate-100 px-5 py-3">
            <Link href={`/escalations/history?${next.toString()}`} className={buttonClass("secondary", "sm")}>
              Older decisions
            </Link>
          </div>
        )}
      </Card>
    </>
  );
}
