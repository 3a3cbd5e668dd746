// One change: what it does (its diff), who proposed it and why, its approvals, what the current user may do with it, and its audit trail.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ChangeStatusBadge } from "@/components/changes/change-badges";
import { ChangeDiffView } from "@/components/changes/change-diff";
import { CancelChangeForm, DecisionForm, RollbackForm } from "@/components/changes/decision-forms";
import { Card, CardHeader } from "@/components/ui/card";
import { BackLink } from "@/components/ui/back-link";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { changePermissions, getChange, KIND_LABELS } from "@/lib/changes/queries";
import { ROW_ID } from "@/lib/ids";
import { hasScope } from "@/lib/rbac";
import { requirePageScope } from "@/lib/session";

type Params = Promise<{ id: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** What the page says after a decision (`?done=`), as a status message. */
const DONE: Record<string, { tone: "ok" | "warn"; text: string }> = {
  applied: { tone: "ok", text: "Approved and applied." },
  approved: { tone: "ok", text: "Approved. It needs another person's approval before it applies." },
  rejected: { tone: "ok", text: "Rejected. Nothing changed." },
  cancelled: { tone: "ok", text: "Withdrawn. Nothing changed." },
  superseded: { tone: "warn", text: "Not applied: the target has changed since this was proposed, so the change is marked superseded. Propose it again from the current state." },
  rolled_back: { tone: "ok", text: "Rolled back: the previous state is restored. This rollback is a change of its own and can itself be rolled back." },
};

export const metadata: Metadata = { title: "Change" };

const ACTION_WORDS: Record<string, string> = {
  "change.propose": "proposed",
  "change.apply": "applied (not protected)",
  "change.approve": "approved",
  "change.reject": "rejected",
  "change.cancel": "cancelled",
  "change.rollback": "rolled back",
  "change.supersede": "found superseded",
};

export default async function ChangePage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const me = await requirePageScope("changes:read");
  const { id } = await params;
  const doneKey = (await searchParams).done;
  const done = typeof doneKey === "string" ? DONE[doneKey] : undefined;
  if (!ROW_ID.test(id)) notFound();
  const change = await getChange(id);
  if (!change) notFound();
  const may = changePermissions(change, me);
  return (
    <>
      <BackLink href="/changes" label="Changes" />
      <PageHeader title={change.title} description={`${KIND_LABELS[change.kind]} · ${change.target}`} actions={<ChangeStatusBadge status={change.status} />} />
      {done && (
        <p role="status" className={`mb-4 rounded-md px-4 py-3 text-sm ${done.tone === "ok" ? "bg-emerald-50 text-emerald-800" : "bg-amber-50 text-amber-900"}`}>
          {done.text}
        </p>
      )}
      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader title="What changes" />
          <ChangeDiffView diff={change.diff} />
        </Card>
        <div className="space-y-6">
          <Card>
            <CardHeader title="Proposal" />
            <dl className="grid grid-cols-3 gap-x-3 gap-y-2 px-5 py-4 text-sm">
              <dt className="text-slate-500">By</dt>
              <dd className="col-span-2">{change.proposedBy}</dd>
              <dt className="text-slate-500">When</dt>
              <dd className="col-span-2">
                <Time value={change.proposedAt} />
              </dd>
              <dt className="text-slate-500">Why</dt>
              <dd className="col-span-2 whitespace-pre-wrap">{change.reason ?? "—"}</dd>
              {change.appliedAt && (
                <>
                  <dt className="text-slate-500">Applied</dt>
                  <dd className="col-span-2">
                    <Time value={change.appliedAt} />
                  </dd>
                </>
              )}
              {change.rollbackOfId && (
                <>
                  <dt className="text-slate-500">Rolls back</dt>
                  <dd className="col-span-2">
                    <Link href={`/changes/${change.rollbackOfId}`} className="text-brand-700 hover:underline">
                      the original change
                    </Link>
                  </dd>
                </>
              )}
              {change.rolledBackById && (
                <>
                  <dt className="text-slate-500">Rolled back by</dt>
                  <dd className="col-span-2">
                    <Link href={`/changes/${change.rolledBackById}`} className="text-brand-700 hover:underline">
                      its rollback
                    </Link>{" "}
                    (<Time value={change.rolledBackAt} />)
                  </dd>
                </>
              )}
              <dt className="text-slate-500">Approvals</dt>
              <dd className="col-span-2">{change.rollbackOfId ? "none needed (a rollback)" : change.status === "APPLIED" && change.approvals === 0 ? "none needed (not protected)" : `${change.approvals} of ${change.requiredApprovals}`}</dd>
            </dl>
            {change.decisions.length > 0 && (
              <ul className="space-y-2 border-t border-slate-100 px-5 py-3 text-sm" aria-label="Decisions">
                {change.decisions.map((d) => (
                  <li key={`${d.by}-${d.at.toISOString()}`}>
                    <strong className={d.verdict === "APPROVE" ? "text-emerald-700" : "text-red-700"}>{d.verdict === "APPROVE" ? "Approved" : "Rejected"}</strong> by {d.by},{" "}
                    <Time value={d.at} />
                    {d.comment && <p className="whitespace-pre-wrap text-slate-600">“{d.comment}”</p>}
                  </li>
                ))}
              </ul>
            )}
          </Card>
          {change.status === "PENDING" && (
            <Card>
              <CardHeader title="Decide" />
              <div className="space-y-3 px-5 py-4">
                {may.approve.allowed ? <DecisionForm changeId={change.id} /> : <p className="text-sm text-slate-600">{may.approve.why}</p>}
                {may.cancel && <CancelChangeForm changeId={change.id} />}
              </div>
            </Card>
          )}
          {change.status === "APPLIED" && !change.rolledBackById && (
            <Card>
              <CardHeader title="Roll back" />
              <div className="px-5 py-4">{may.rollback.allowed ? <RollbackForm changeId={change.id} title={change.title} /> : <p className="text-sm text-slate-600">{may.rollback.why}</p>}</div>
            </Card>
          )}
        </div>
      </div>
      <Card className="mt-6">
        <CardHeader
          title="Trail"
          description="Each step as the audit log recorded it."
          action={
            hasScope(me.role, "audit:read") ? (
              <Link href={`/audit?targetType=change&q=${change.id}`} className="text-sm text-brand-700 hover:underline">
                Open in the audit log
              </Link>
            ) : undefined
          }
        />
        <ol className="divide-y divide-slate-100 text-sm" aria-label="Trail">
          {change.trail.map((e) => (
            <li key={e.seq} className="flex flex-wrap gap-x-3 px-5 py-2">
              <span className="text-slate-500">
                <Time value={e.occurredAt} />
              </span>
              <span>
                <strong>{e.actor}</strong> {ACTION_WORDS[e.action] ?? e.action}
              </span>
              <span className="font-mono text-xs text-slate-500">#{e.seq}</span>
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}
