import type { Metadata } from "next";
import Link from "next/link";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { db } from "@/lib/db";
import { hasScope, ROLE_LABELS } from "@/lib/rbac";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const user = await requirePageScope(null);
  const [runCount, recentAudit] = await Promise.all([
    db.run.count(),
    hasScope(user.role, "audit:read")
      ? db.auditEvent.findMany({ orderBy: { seq: "desc" }, take: 8, select: { seq: true, occurredAt: true, actorLabel: true, action: true, targetType: true } })
      : Promise.resolve(null),
  ]);
  return (
    <>
      <PageHeader
        title="Overview"
        description={`Signed in as ${user.email} (${ROLE_LABELS[user.role]}). What needs attention across your agents.`}
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
          {runCount === 0 ? (
            <EmptyState title="No agent runs yet">
              <p>
                Point an agent’s OpenTelemetry exporter at <code>/api/otel/v1/traces</code> with an API key, and its runs, failing tool
                calls, loops and stalls will show here.
                {hasScope(user.role, "admin") && (
                  <>
                    {" "}
                    Create a key in{" "}
                    <Link href="/settings" className="text-brand-600 hover:underline">
                      Settings
                    </Link>
                    .
                  </>
                )}
              </p>
            </EmptyState>
          ) : (
            <Card className="p-5 text-sm text-slate-700">{runCount.toLocaleString("en")} runs recorded.</Card>
          )}
        </div>
        {recentAudit && (
          <Card>
            <CardHeader
              title="Recent changes"
              action={
                <Link href="/audit" className="text-sm text-brand-600 hover:underline">
                  Audit log
                </Link>
              }
            />
            <ul className="divide-y divide-slate-100 text-sm">
              {recentAudit.map((e) => (
                <li key={e.seq.toString()} className="px-5 py-2.5">
                  <div className="font-mono text-xs text-slate-800">{e.action}</div>
                  <div className="text-xs text-slate-500">
                    {e.actorLabel} · <Time value={e.occurredAt} />
                  </div>
                </li>
              ))}
              {recentAudit.length === 0 && <li className="px-5 py-4 text-slate-500">Nothing yet.</li>}
            </ul>
          </Card>
        )}
      </div>
    </>
  );
}
