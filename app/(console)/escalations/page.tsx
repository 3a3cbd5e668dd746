// The escalation queue: pending requests for clearance, SLA due first, live (server-sent events, polling as a fallback),
// filtered by agent, team, policy and risk; SLA breaches and approaching deadlines stand out.
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { LiveQueue } from "@/components/escalations/live-queue";
import { buttonClass } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/page-header";
import { QueryNotice } from "@/components/ui/query-notice";
import { countOpen, listQueue, queueFilterOptions, queueFilterReport, type QueueFilter } from "@/lib/escalations/queries";
import { RISKS } from "@/lib/escalations/schemas";
import { ROW_ID } from "@/lib/ids";
import { firstValue, type PageSearchParams } from "@/lib/security/page-query";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Escalations" };
export const dynamic = "force-dynamic";

export default async function EscalationsPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  await requirePageScope("escalations:read");
  const params = await searchParams;
  // Older links (the run page) name the escalation in the query.
  const id = firstValue(params.id);
  if (id && ROW_ID.test(id)) redirect(`/escalations/${id}`);
  const { filter, ignored } = queueFilterReport(params);
  const [items, options, open] = await Promise.all([listQueue(filter), queueFilterOptions(), countOpen()]);
  const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === "string")).toString();
  return (
    <>
      <PageHeader
        title="Escalations"
        description="Actions agents asked clearance for, waiting for a person's decision: SLA due first. Open one to see its arguments, the agent's reason, the policy that caught it and the run that led to it."
        actions={
          <>
            <Link href="/escalations/history" className={buttonClass("secondary", "sm")}>
              History
            </Link>
            <Link href="/escalations/policies" className={buttonClass("secondary", "sm")}>
              Policies
            </Link>
          </>
        }
      />
      <QueryNotice ignored={ignored} />
      <p className="mb-4 text-sm text-slate-600" data-testid="queue-counts">
        {open.pending} pending{open.slaBreached > 0 && <span className="font-semibold text-red-700"> · {open.slaBreached} past their SLA</span>}
      </p>
      <Card>
        <CardHeader title="Waiting for a decision" description="Claim an item so nobody else works on it; a claim lapses after 15 minutes." />
        <FilterForm filter={filter} options={options} />
        <LiveQueue initial={items} query={query} filtered={query !== ""} />
      </Card>
    </>
  );
}

function FilterForm({ filter, options }: { filter: QueueFilter; options: { agents: string[]; teams: string[]; policies: string[] } }) {
  const select = (name: keyof QueueFilter, label: string, values: readonly string[]) => (
    <label className="text-sm">
      <span className="block text-xs font-medium text-slate-600">{label}</span>
      <select name={name} defaultValue={filter[name] ?? ""} className={inputClass}>
        <option value="">Any</option>
        {[...new Set([...values, ...(filter[name] ? [filter[name]!] : [])])].map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <form method="get" className="flex flex-wrap items-end gap-3 border-b border-slate-100 px-5 py-3" aria-label="Filter the queue">
      {select("agent", "Agent", options.agents)}
      {select("team", "Team", options.teams)}
      {select("policy", "Policy", options.policies)}
      {select("risk", "Risk", RISKS)}
      <button type="submit" className={buttonClass("secondary", "sm")}>
        Filter
      </button>
      <Link href="/escalations" className="text-sm text-brand-700 hover:underline">
        Clear
      </Link>
    </form>
  );
}
