// Agents: every agent with its status, configuration, autonomy, budget use, failure and loop rates, open escalations and breakers; the team-wide kill switch.
import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { BudgetUse, OpenEscalations, Rate, StatusBadge, StatusLine } from "@/components/agents/health";
import { KillSwitch } from "@/components/agents/kill-switch";
import { ActionNotice } from "@/components/ui/action-notice";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { inputClass } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { listAgents, teamsWithAgents, type AgentStatusFilter } from "@/lib/agents/queries";
import { hasScope } from "@/lib/rbac";
import { firstValue, type PageSearchParams } from "@/lib/security/page-query";
import { requirePageScope } from "@/lib/session";

export const metadata: Metadata = { title: "Agents" };

const STATUSES: AgentStatusFilter[] = ["active", "paused", "tripped"];

export default async function AgentsPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const me = await requirePageScope("agents:read");
  const params = await searchParams;
  const raw = firstValue(params.q)?.trim().slice(0, 200).replaceAll("\0", "");
  const q = raw || undefined;
  const statusRaw = firstValue(params.status);
  const status = STATUSES.find((s) => s === statusRaw);
  const canControl = hasScope(me.role, "agents:control");
  return (
    <>
      <PageHeader
        title="Agents"
        description="Every agent that has sent telemetry: its status, configuration, budget use and health. Paused and tripped agents are listed first; while not active, everything an agent asks (clearance, budgets, prompts) is refused."
      />
      <Card>
        <form method="get" className="flex flex-wrap items-end gap-3 border-b border-slate-100 px-5 py-3" aria-label="Search agents">
          <label className="text-sm">
            <span className="block text-xs font-medium text-slate-600">Agent or team</span>
            <input name="q" defaultValue={q ?? ""} className={inputClass} />
          </label>
          <label className="text-sm">
            <span className="block text-xs font-medium text-slate-600">Status</span>
            <select name="status" defaultValue={status ?? ""} className={inputClass}>
              <option value="">Any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className={buttonClass("secondary", "sm")}>
            Search
          </button>
        </form>
        <Suspense key={`${q ?? ""}|${status ?? ""}`} fallback={<p className="px-5 py-4 text-sm text-slate-500">Loading agents…</p>}>
          <AgentsTable q={q} status={status} />
        </Suspense>
      </Card>
      {canControl && (
        <Suspense fallback={null}>
          <TeamSwitches />
        </Suspense>
      )}
    </>
  );
}

async function AgentsTable({ q, status }: { q?: string; status?: AgentStatusFilter }) {
  const agents = await listAgents(q, status);
  if (agents.length === 0) {
    return (
      <EmptyState title={q || status ? "No agent matches" : "No agents yet"}>{q || status ? "Try another name or status." : "Agents appear here as soon as they send telemetry."}</EmptyState>
    );
  }
  return (
    <Table>
      <caption className="sr-only">Agents</caption>
      <thead className="bg-slate-50">
        <tr>
          <Th>Agent</Th>
          <Th>Status</Th>
          <Th>Configuration</Th>
          <Th>Spend this month</Th>
          <Th>
            Failed runs <span className="font-normal normal-case">24 h · 7 d</span>
          </Th>
          <Th>
            Looping runs <span className="font-normal normal-case">24 h · 7 d</span>
          </Th>
          <Th>Open escalations</Th>
          <Th>Breakers</Th>
          <Th>Last run</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {agents.map((a) => (
          <tr key={a.name} data-testid={`agent-row-${a.name}`}>
            <Td>
              <Link href={`/agents/${encodeURIComponent(a.name)}`} className="font-medium text-brand-700 hover:underline">
                {a.name}
              </Link>
              <span className="block text-xs text-slate-500">{a.team ? `team ${a.team}` : "no team"}</span>
            </Td>
            <Td>
              <StatusBadge status={a.status} />
              <StatusLine status={a.status} reason={a.statusReason} since={a.statusChangedAt} setBy={a.statusSetBy} />
            </Td>
            <Td className="whitespace-nowrap">
              {a.configVersion ? `v${a.configVersion}` : "none yet"}
              <span className="block text-xs text-slate-500">autonomy {a.autonomyLevel}</span>
              {a.pendingChangeId && (
                <Link href={`/changes/${a.pendingChangeId}`} className="text-xs text-brand-700 hover:underline">
                  change waiting
                </Link>
              )}
            </Td>
            <Td>
              <BudgetUse health={a.health} />
            </Td>
            <Td>
              <Rate day={a.health.day} week={a.health.week} of="failed" />
            </Td>
            <Td>
              <Rate day={a.health.day} week={a.health.week} of="looping" />
            </Td>
            <Td>
              <OpenEscalations agent={a.name} count={a.health.openEscalations} none="0" />
            </Td>
            <Td className="whitespace-nowrap">
              {a.health.breakers === 0 ? "none" : `${a.health.breakers}`}
              {a.health.breakersOpen > 0 && (
                <Badge tone="red" className="ml-1">
                  {a.health.breakersOpen} open
                </Badge>
              )}
            </Td>
            <Td className="whitespace-nowrap">
              <Time value={a.health.lastRunAt} />
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

async function TeamSwitches() {
  const teams = await teamsWithAgents();
  if (teams.length === 0) return null;
  return (
    <Card className="mt-6">
      <CardHeader title="Whole teams" description="Pause every agent of a team at once, or resume the paused ones. Tripped agents are resumed one by one, after reading why they tripped." />
      <ActionNotice className="px-5 empty:hidden" />
      <Table>
        <caption className="sr-only">Teams</caption>
        <thead className="bg-slate-50">
          <tr>
            <Th>Team</Th>
            <Th>Agents</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {teams.map((t) => (
            <tr key={t.name} data-testid={`team-row-${t.name}`}>
              <Td className="font-medium">{t.name}</Td>
              <Td>
                {t.active} of {t.agents} active
              </Td>
              <Td className="text-right">
                <div className="flex justify-end gap-2">
                  {t.active > 0 && <KillSwitch target="team" name={t.name} to="PAUSED" />}
                  {t.active < t.agents && <KillSwitch target="team" name={t.name} to="ACTIVE" />}
                </div>
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}
