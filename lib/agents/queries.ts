/**
 * Reads for the Agents pages: the list (team, status, current configuration
 * version, a change waiting on it, recent runs) and one agent with its
 * configuration history, each version with the change that proposed it.
 */
import "server-only";
import "@/lib/changes/appliers";
import { db, readQuery } from "@/lib/db";
import { periodOf, utcDay } from "@/lib/spend/budgets/period";
import type { ChangeStatusName } from "@/lib/enums";
import { AGENT_CONFIG_TARGET } from "./config";

export interface AgentRates {
  runs: number;
  failed: number;
  looping: number;
}

/** What the list and the page show of an agent's health: runs, failures and loops over 24 h and 7 days, spend this month, open escalations, breakers. */
export interface AgentHealth {
  day: AgentRates;
  week: AgentRates;
  lastRunAt: Date | null;
  spentUsd: number;
  /** The agent's own budget this month, if it has one. */
  budgetUsd: number | null;
  hardCap: boolean;
  openEscalations: number;
  breakers: number;
  /** Breakers not closed (open or half-open). */
  breakersOpen: number;
}

export interface AgentListItem {
  name: string;
  team: string | null;
  status: "ACTIVE" | "PAUSED" | "TRIPPED";
  statusReason: string | null;
  statusChangedAt: Date | null;
  statusSetBy: string | null;
  autonomyLevel: number;
  configVersion: number | null;
  configVersions: number;
  configProtected: boolean;
  pendingChangeId: string | null;
  health: AgentHealth;
}

const EMPTY_RATES: AgentRates = { runs: 0, failed: 0, looping: 0 };
export const EMPTY_HEALTH: AgentHealth = { day: EMPTY_RATES, week: EMPTY_RATES, lastRunAt: null, spentUsd: 0, budgetUsd: null, hardCap: false, openEscalations: 0, breakers: 0, breakersOpen: 0 };

interface HealthRow {
  agentId: string;
  runs1d: number;
  failed1d: number;
  looping1d: number;
  runs7d: number;
  failed7d: number;
  looping7d: number;
  lastRunAt: Date | null;
  spentUsd: string | null;
  budgetUsd: string | null;
  hardCap: boolean | null;
  openEscalations: number;
  breakers: number;
  breakersOpen: number;
}

/**
 * One statement for every agent asked: the runs of the last 7 days by the
 * (agentId, startedAt) index, this month's rollup row, the agent budget,
 * pending escalations and breakers.
 */
export async function agentHealth(agentIds: string[], now = new Date()): Promise<Map<string, AgentHealth>> {
  const out = new Map<string, AgentHealth>();
  if (agentIds.length === 0) return out;
  const rows = await readQuery<HealthRow>(
    `WITH ids AS (SELECT unnest($1::text[]) AS "agentId"),
     runs AS (
       SELECT r."agentId",
              count(*) FILTER (WHERE r."startedAt" >= $2::timestamp)::int AS "runs1d",
              count(*) FILTER (WHERE r."startedAt" >= $2::timestamp AND r."status" = 'FAILED')::int AS "failed1d",
              count(*) FILTER (WHERE r."startedAt" >= $2::timestamp AND r."flagLoop")::int AS "looping1d",
              count(*)::int AS "runs7d",
              count(*) FILTER (WHERE r."status" = 'FAILED')::int AS "failed7d",
              count(*) FILTER (WHERE r."flagLoop")::int AS "looping7d",
              max(r."startedAt") AS "lastRunAt"
       FROM "Run" r JOIN ids ON ids."agentId" = r."agentId"
       WHERE r."startedAt" >= $3::timestamp
       GROUP BY r."agentId")
     SELECT ids."agentId", COALESCE(runs."runs1d", 0) AS "runs1d", COALESCE(runs."failed1d", 0) AS "failed1d", COALESCE(runs."looping1d", 0) AS "looping1d",
            COALESCE(runs."runs7d", 0) AS "runs7d", COALESCE(runs."failed7d", 0) AS "failed7d", COALESCE(runs."looping7d", 0) AS "looping7d",
            (runs."lastRunAt" AT TIME ZONE 'UTC') AS "lastRunAt",
            (SELECT SUM(m."costUsd")::text FROM "SpendMonthly" m WHERE m."month" = $4::date AND m."agentId" = ids."agentId") AS "spentUsd",
            b."monthlyLimitUsd"::text AS "budgetUsd", b."hardCap",
            (SELECT count(*)::int FROM "Escalation" e WHERE e."agentId" = ids."agentId" AND e."status" = 'PENDING') AS "openEscalations",
            (SELECT count(*)::int FROM "Breaker" k WHERE k."agentId" = ids."agentId" AND k."enabled") AS "breakers",
            (SELECT count(*)::int FROM "Breaker" k WHERE k."agentId" = ids."agentId" AND k."enabled" AND k."state" <> 'CLOSED') AS "breakersOpen"
     FROM ids
     LEFT JOIN runs ON runs."agentId" = ids."agentId"
     LEFT JOIN "Budget" b ON b."scope" = 'AGENT' AND b."agentId" = ids."agentId"`,
    [agentIds, new Date(now.getTime() - 86_400_000).toISOString(), new Date(now.getTime() - 7 * 86_400_000).toISOString(), utcDay(periodOf(now).start)],
  );
  for (const r of rows) {
    out.set(r.agentId, {
      day: { runs: r.runs1d, failed: r.failed1d, looping: r.looping1d },
      week: { runs: r.runs7d, failed: r.failed7d, looping: r.looping7d },
      lastRunAt: r.lastRunAt,
      spentUsd: Number(r.spentUsd ?? 0),
      budgetUsd: r.budgetUsd === null ? null : Number(r.budgetUsd),
      hardCap: r.hardCap ?? false,
      openEscalations: r.openEscalations,
      breakers: r.breakers,
      breakersOpen: r.breakersOpen,
    });
  }
  return out;
}

export type AgentStatusFilter = "active" | "paused" | "tripped";

const MAX_AGENTS = 1000;
const HISTORY_MAX = 100;

export async function listAgents(q?: string, status?: AgentStatusFilter): Promise<AgentListItem[]> {
  const agents = await db.agent.findMany({
    where: {
      ...(q ? { OR: [{ name: { contains: q, mode: "insensitive" as const } }, { team: { name: { contains: q, mode: "insensitive" as const } } }] } : {}),
      ...(status ? { status: status.toUpperCase() as "ACTIVE" | "PAUSED" | "TRIPPED" } : {}),
    },
    // Agents that need attention first, then by name.
    orderBy: [{ status: "desc" }, { name: "asc" }],
    take: MAX_AGENTS,
    select: {
      id: true,
      name: true,
      status: true,
      statusReason: true,
      statusChangedAt: true,
      statusSetBy: true,
      autonomyLevel: true,
      configProtected: true,
      team: { select: { name: true } },
      currentConfig: { select: { version: true } },
      _count: { select: { configVersions: true } },
    },
  });
  if (agents.length === 0) return [];
  const [pending, health] = await Promise.all([
    db.change.findMany({ where: { targetType: AGENT_CONFIG_TARGET, status: "PENDING", targetId: { in: agents.map((a) => a.name) } }, select: { id: true, targetId: true } }),
    agentHealth(agents.map((a) => a.id)),
  ]);
  const pendingBy = new Map(pending.map((p) => [p.targetId, p.id]));
  return agents.map((a) => ({
    name: a.name,
    team: a.team?.name ?? null,
    status: a.status,
    statusReason: a.statusReason,
    statusChangedAt: a.statusChangedAt,
    statusSetBy: a.statusSetBy,
    autonomyLevel: a.autonomyLevel,
    configVersion: a.currentConfig?.version ?? null,
    configVersions: a._count.configVersions,
    configProtected: a.configProtected,
    pendingChangeId: pendingBy.get(a.name) ?? null,
    health: health.get(a.id) ?? EMPTY_HEALTH,
  }));
}

/** Teams with agents, for the team-wide kill switch. */
export async function teamsWithAgents(): Promise<{ name: string; agents: number; active: number }[]> {
  const teams = await db.team.findMany({
    where: { agents: { some: {} } },
    orderBy: { name: "asc" },
    take: 500,
    select: { name: true, agents: { select: { status: true } } },
  });
  return teams.map((t) => ({ name: t.name, agents: t.agents.length, active: t.agents.filter((a) => a.status === "ACTIVE").length }));
}

export interface AgentConfigRow {
  version: number;
  model: string | null;
  promptName: string | null;
  promptLabel: string | null;
  allowedTools: string[];
  authorityLimits: Record<string, number>;
  autonomyLevel: number | null;
  message: string | null;
  createdBy: string | null;
  createdAt: Date;
  current: boolean;
  change: { id: string; status: ChangeStatusName } | null;
}

export type AgentHistoryItem =
  | { kind: "status"; at: Date; status: "ACTIVE" | "PAUSED" | "TRIPPED"; previous: "ACTIVE" | "PAUSED" | "TRIPPED"; reason: string; setBy: string; acknowledged: string | null }
  | { kind: "breaker"; at: Date; event: "WOULD_TRIP" | "TRIPPED" | "HALF_OPEN" | "CLOSED"; breaker: string; message: string; runIds: string[] }
  | { kind: "config"; at: Date; version: number; createdBy: string | null; message: string | null; change: { id: string; status: ChangeStatusName } | null };

export interface AgentDetail {
  id: string;
  name: string;
  statusChangedAt: Date | null;
  statusSetBy: string | null;
  breakerName: string | null;
  health: AgentHealth;
  history: AgentHistoryItem[];
  description: string | null;
  team: string | null;
  status: "ACTIVE" | "PAUSED" | "TRIPPED";
  statusReason: string | null;
  autonomyLevel: number;
  configProtected: boolean;
  current: AgentConfigRow | null;
  versions: AgentConfigRow[];
  pendingChangeId: string | null;
}

const asLimits = (v: unknown): Record<string, number> =>
  v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === "number")) : {};

export async function getAgent(name: string): Promise<AgentDetail | null> {
  const agent = await db.agent.findUnique({
    where: { name },
    select: {
      id: true,
      name: true,
      statusChangedAt: true,
      statusSetBy: true,
      statusBreakerId: true,
      description: true,
      status: true,
      statusReason: true,
      autonomyLevel: true,
      configProtected: true,
      currentConfigId: true,
      team: { select: { name: true } },
      configVersions: { orderBy: { version: "desc" }, take: 200 },
    },
  });
  if (!agent) return null;
  const changes = await db.change.findMany({
    where: { targetType: AGENT_CONFIG_TARGET, targetId: name, rollbackOfId: null },
    select: { id: true, status: true, after: true },
    orderBy: { proposedAt: "desc" },
    take: 500,
  });
  const changeOf = new Map<number, { id: string; status: ChangeStatusName }>();
  for (const c of changes) {
    const v = (c.after as { version?: unknown } | null)?.version;
    if (typeof v === "number" && !changeOf.has(v)) changeOf.set(v, { id: c.id, status: c.status });
  }
  const versions: AgentConfigRow[] = agent.configVersions.map((v) => ({
    version: v.version,
    model: v.model,
    promptName: v.promptName,
    promptLabel: v.promptLabel,
    allowedTools: v.allowedTools,
    authorityLimits: asLimits(v.authorityLimits),
    autonomyLevel: v.autonomyLevel,
    message: v.message,
    createdBy: v.createdByName,
    createdAt: v.createdAt,
    current: v.id === agent.currentConfigId,
    change: changeOf.get(v.version) ?? null,
  }));
  const [health, statusEvents, breakerEvents, breakerName] = await Promise.all([
    agentHealth([agent.id]),
    db.agentStatusEvent.findMany({ where: { agentId: agent.id }, orderBy: { at: "desc" }, take: HISTORY_MAX }),
    db.breakerEvent.findMany({ where: { agentId: agent.id }, orderBy: { at: "desc" }, take: HISTORY_MAX, include: { breaker: { select: { name: true } } } }),
    agent.statusBreakerId ? db.breaker.findUnique({ where: { id: agent.statusBreakerId }, select: { name: true } }).then((b) => b?.name ?? null) : Promise.resolve(null),
  ]);
  const history: AgentHistoryItem[] = [
    ...statusEvents.map((e) => ({ kind: "status" as const, at: e.at, status: e.status, previous: e.previous, reason: e.reason, setBy: e.setBy, acknowledged: e.acknowledged })),
    ...breakerEvents.map((e) => ({ kind: "breaker" as const, at: e.at, event: e.kind, breaker: e.breaker.name, message: e.message, runIds: e.runIds })),
    ...versions.map((v) => ({ kind: "config" as const, at: v.createdAt, version: v.version, createdBy: v.createdBy, message: v.message, change: v.change })),
  ]
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, HISTORY_MAX);
  return {
    id: agent.id,
    name: agent.name,
    statusChangedAt: agent.statusChangedAt,
    statusSetBy: agent.statusSetBy,
    breakerName,
    health: health.get(agent.id) ?? EMPTY_HEALTH,
    history,
    description: agent.description,
    team: agent.team?.name ?? null,
    status: agent.status,
    statusReason: agent.statusReason,
    autonomyLevel: agent.autonomyLevel,
    configProtected: agent.configProtected,
    current: versions.find((v) => v.current) ?? null,
    versions,
    pendingChangeId: changes.find((c) => c.status === "PENDING")?.id ?? null,
  };
}

export interface StoppedAgent {
  id: string;
  name: string;
  team: string | null;
  status: "PAUSED" | "TRIPPED";
  statusReason: string | null;
  statusChangedAt: Date | null;
  statusSetBy: string | null;
}

/** Paused and tripped agents, tripped first, for the Overview. */
export async function stoppedAgents(limit = 50): Promise<{ agents: StoppedAgent[]; active: string[] }> {
  const [stopped, active] = await Promise.all([
    db.agent.findMany({
      where: { status: { in: ["PAUSED", "TRIPPED"] } },
      orderBy: [{ status: "desc" }, { statusChangedAt: "desc" }],
      take: limit,
      select: { id: true, name: true, status: true, statusReason: true, statusChangedAt: true, statusSetBy: true, team: { select: { name: true } } },
    }),
    db.agent.findMany({ where: { status: "ACTIVE" }, orderBy: { name: "asc" }, take: MAX_AGENTS, select: { name: true } }),
  ]);
  return {
    agents: stopped.map((a) => ({ ...a, status: a.status as "PAUSED" | "TRIPPED", team: a.team?.name ?? null })),
    active: active.map((a) => a.name),
  };
}

/** An agent's status by name (the run timeline's kill switch), or null for an unknown agent. */
export function agentStatusByName(name: string) {
  return db.agent.findUnique({ where: { name }, select: { name: true, status: true, statusReason: true } });
}
