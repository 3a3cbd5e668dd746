/**
 * Reads for the Agents pages: the list (team, status, current configuration
 * version, a change waiting on it, recent runs) and one agent with its
 * configuration history, each version with the change that proposed it.
 */
import "server-only";
import "@/lib/changes/appliers";
import { db } from "@/lib/db";
import type { ChangeStatusName } from "@/lib/enums";
import { AGENT_CONFIG_TARGET } from "./config";

export interface AgentListItem {
  name: string;
  team: string | null;
  status: "ACTIVE" | "PAUSED" | "TRIPPED";
  statusReason: string | null;
  configVersion: number | null;
  configVersions: number;
  configProtected: boolean;
  pendingChangeId: string | null;
  runs7d: number;
  lastRunAt: Date | null;
}

const MAX_AGENTS = 1000;

export async function listAgents(q?: string): Promise<AgentListItem[]> {
  const since = new Date(Date.now() - 7 * 86_400_000);
  const agents = await db.agent.findMany({
    where: q ? { OR: [{ name: { contains: q, mode: "insensitive" } }, { team: { name: { contains: q, mode: "insensitive" } } }] } : {},
    orderBy: { name: "asc" },
    take: MAX_AGENTS,
    select: {
      id: true,
      name: true,
      status: true,
      statusReason: true,
      configProtected: true,
      team: { select: { name: true } },
      currentConfig: { select: { version: true } },
      _count: { select: { configVersions: true } },
    },
  });
  if (agents.length === 0) return [];
  const [pending, runs] = await Promise.all([
    db.change.findMany({ where: { targetType: AGENT_CONFIG_TARGET, status: "PENDING", targetId: { in: agents.map((a) => a.name) } }, select: { id: true, targetId: true } }),
    db.run.groupBy({ by: ["agentId"], where: { agentId: { in: agents.map((a) => a.id) }, startedAt: { gte: since } }, _count: { _all: true }, _max: { startedAt: true } }),
  ]);
  const pendingBy = new Map(pending.map((p) => [p.targetId, p.id]));
  const runsBy = new Map(runs.map((r) => [r.agentId, r]));
  return agents.map((a) => ({
    name: a.name,
    team: a.team?.name ?? null,
    status: a.status,
    statusReason: a.statusReason,
    configVersion: a.currentConfig?.version ?? null,
    configVersions: a._count.configVersions,
    configProtected: a.configProtected,
    pendingChangeId: pendingBy.get(a.name) ?? null,
    runs7d: runsBy.get(a.id)?._count._all ?? 0,
    lastRunAt: runsBy.get(a.id)?._max.startedAt ?? null,
  }));
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

export interface AgentDetail {
  name: string;
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
      name: true,
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
  return {
    name: agent.name,
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
