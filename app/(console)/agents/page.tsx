// Agents: every agent with its team, status, current configuration version and recent runs.
import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { inputClass } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { listAgents } from "@/lib/agents/queries";
import { firstValue, type PageSearchParams } from "@/lib/security/page-query";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Agents" };

const STATUS_TONE = { ACTIVE: "green", PAUSED: "amber", TRIPPED: "red" } as const;

export default async function AgentsPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  await requirePageScope("agents:read");
  const raw = firstValue((await searchParams).q)?.trim().slice(0, 200).replaceAll("\0", "");
  const q = raw || undefined;
  return (
    <>
      <PageHeader title="Agents" description="Every agent that has sent telemetry, with its team and its configuration. A configuration changes only through a proposed version that another person approves." />
      <Card>
        <form method="get" className="flex flex-wrap items-end gap-3 border-b border-slate-100 px-5 py-3" aria-label="Search agents">
          <label className="text-sm">
            <span className="block text-xs font-medium text-slate-600">Agent or team</span>
            <input name="q" defaultValue={q ?? ""} className={inputClass} />
          </label>
          <button type="submit" className={buttonClass("secondary", "sm")}>
            Search
          </button>
        </form>
        <Suspense key={q ?? ""} fallback={<p className="px-5 py-4 text-sm text-slate-500">Loading agents…</p>}>
          <AgentsTable q={q} />
        </Suspense>
      </Card>
    </>
  );
}

async function AgentsTable({ q }: { q?: string }) {
  const agents = await listAgents(q);
  if (agents.length === 0) {
    return <EmptyState title={q ? "No agent matches" : "No agents yet"}>{q ? "Try another name." : "Agents appear here as soon as they send telemetry."}</EmptyState>;
  }
  return (
    <Table>
      <caption className="sr-only">Agents</caption>
      <thead className="bg-slate-50">
        <tr>
          <Th>Agent</Th>
          <Th>Team</Th>
          <Th>Status</Th>
          <Th>Configuration</Th>
          <Th>Runs (7 days)</Th>
          <Th>Last run</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {agents.map((a) => (
          <tr key={a.name} data-testid={`agent-row-${a.name}`}>
            <Td>
              <Link href={`/agents/${a.name}`} className="font-medium text-brand-700 hover:underline">
                {a.name}
              </Link>
            </Td>
            <Td>{a.team ?? "—"}</Td>
            <Td>
              <Badge tone={STATUS_TONE[a.status]}>{a.status.toLowerCase()}</Badge>
            </Td>
            <Td className="whitespace-nowrap">
              {a.configVersion ? `v${a.configVersion}` : "none yet"}
              {a.pendingChangeId && (
                <Link href={`/changes/${a.pendingChangeId}`} className="ml-2 text-xs text-brand-700 hover:underline">
                  change waiting
                </Link>
              )}
            </Td>
            <Td>{a.runs7d}</Td>
            <Td className="whitespace-nowrap">
              <Time value={a.lastRunAt} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
