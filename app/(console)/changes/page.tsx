// Changes: what waits for the current user's decision first, then every change, filterable by state, kind, target and person.
import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { STATUS_LABELS } from "@/components/changes/change-badges";
import { ChangesTable } from "@/components/changes/changes-table";
import { buttonClass } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { inputClass } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/page-header";
import { QueryNotice } from "@/components/ui/query-notice";
import { changeFilterReport, changesAwaiting, KIND_LABELS, listChanges, type ChangeFilter } from "@/lib/changes/queries";
import { CHANGE_KINDS, CHANGE_STATUSES } from "@/lib/enums";
import { hasScope } from "@/lib/rbac";
import type { PageSearchParams } from "@/lib/security/page-query";
import { requirePageScope, type SessionUser } from "@/lib/session";

export const metadata: Metadata = { title: "Changes" };

export default async function ChangesPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const me = await requirePageScope("changes:read");
  const { filter, ignored } = changeFilterReport(await searchParams);
  const filtered = Boolean(filter.status || filter.kind || filter.target || filter.person);
  return (
    <>
      <PageHeader
        title="Changes"
        description="Every change to what steers agents: prompt labels and agent configurations. Protected targets change only when a second person approves; any applied change can be rolled back in one action."
      />
      <QueryNotice ignored={ignored} />
      {hasScope(me.role, "changes:approve") && (
        <Card className="mb-6">
          <CardHeader title="Waiting for you" description="Proposed by someone else; your approval applies them." />
          <Suspense fallback={<p className="px-5 py-4 text-sm text-slate-500">Loading…</p>}>
            <Awaiting me={me} />
          </Suspense>
        </Card>
      )}
      <Card>
        <CardHeader title="All changes" description="Newest first." />
        <FilterForm filter={filter} />
        <Suspense key={JSON.stringify(filter)} fallback={<p className="px-5 py-4 text-sm text-slate-500">Loading changes…</p>}>
          <AllChanges filter={filter} filtered={filtered} />
        </Suspense>
      </Card>
    </>
  );
}

async function Awaiting({ me }: { me: SessionUser }) {
  const rows = await changesAwaiting(me);
  if (rows.length === 0) return <p className="px-5 py-4 text-sm text-slate-600">Nothing is waiting for your approval.</p>;
  return <ChangesTable rows={rows} caption="Changes waiting for your approval" />;
}

async function AllChanges({ filter, filtered }: { filter: ChangeFilter; filtered: boolean }) {
  const { rows, nextCursor } = await listChanges(filter);
  if (rows.length === 0) {
    return (
      <EmptyState title={filtered ? "No change matches these filters" : "No changes yet"}>
        {filtered ? "Clear a filter to see more." : "Moving a prompt label or proposing an agent configuration records a change here."}
      </EmptyState>
    );
  }
  const next = new URLSearchParams(Object.entries({ ...filter, cursor: nextCursor ?? undefined }).filter((e): e is [string, string] => typeof e[1] === "string"));
  return (
    <>
      <ChangesTable rows={rows} caption="All changes" />
      {nextCursor && (
        <div className="border-t border-slate-100 px-5 py-3">
          <Link href={`/changes?${next.toString()}`} className={buttonClass("secondary", "sm")}>
            Older changes
          </Link>
        </div>
      )}
    </>
  );
}

function FilterForm({ filter }: { filter: ChangeFilter }) {
  return (
    <form method="get" className="flex flex-wrap items-end gap-3 border-b border-slate-100 px-5 py-3" aria-label="Filter changes">
      <label className="text-sm">
        <span className="block text-xs font-medium text-slate-600">State</span>
        <select name="status" defaultValue={filter.status ?? ""} className={inputClass}>
          <option value="">Any</option>
          {CHANGE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      <label className="text-sm">
        <span className="block text-xs font-medium text-slate-600">Kind</span>
        <select name="kind" defaultValue={filter.kind ?? ""} className={inputClass}>
          <option value="">Any</option>
          {CHANGE_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      <label className="text-sm">
        <span className="block text-xs font-medium text-slate-600">Target</span>
        <input name="target" defaultValue={filter.target ?? ""} placeholder="prompt, label or agent" className={inputClass} />
      </label>
      <label className="text-sm">
        <span className="block text-xs font-medium text-slate-600">Person</span>
        <input name="person" defaultValue={filter.person ?? ""} placeholder="proposer or approver" className={inputClass} />
      </label>
      <button type="submit" className={buttonClass("secondary", "sm")}>
        Filter
      </button>
      <Link href="/changes" className="text-sm text-brand-700 hover:underline">
        Clear
      </Link>
    </form>
  );
}
