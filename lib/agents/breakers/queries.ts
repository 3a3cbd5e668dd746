/**
 * Reads of breakers for the agent page, the agents list, the Overview and the
 * API: each breaker with its condition in words, its current value beside the
 * threshold and its latest events; recent trips across agents; counts.
 */
import "server-only";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { describeRule, formatThreshold, formatValue, thresholdOf } from "./conditions";
import { ruleOf, toApiCondition, type BreakerConditionName, type BreakerModeName, type BreakerRule, type BreakerStateName } from "./schemas";

export type BreakerEventKindName = "WOULD_TRIP" | "TRIPPED" | "HALF_OPEN" | "CLOSED";

export interface BreakerEventView {
  id: string;
  breakerId: string;
  breakerName: string;
  kind: BreakerEventKindName;
  value: number | null;
  message: string;
  runIds: string[];
  at: Date;
}

export interface BreakerView {
  id: string;
  agentId: string;
  agentName: string;
  name: string;
  condition: BreakerConditionName;
  params: Record<string, unknown>;
  /** null when the stored params do not fit the condition (a row written by hand): never evaluated. */
  rule: BreakerRule | null;
  mode: BreakerModeName;
  enabled: boolean;
  coolDownMinutes: number;
  halfOpen: boolean;
  state: BreakerStateName;
  stateChangedAt: Date | null;
  lastFiredAt: Date | null;
  windowStartedAt: Date | null;
  lastValue: number | null;
  lastEvaluatedAt: Date | null;
  probeRunId: string | null;
  createdAt: Date;
  updatedAt: Date;
  description: string;
  threshold: number | null;
  thresholdText: string;
  valueText: string;
  events: BreakerEventView[];
}

const EVENTS_PER_BREAKER = 5;

const SELECT = {
  id: true,
  agentId: true,
  name: true,
  condition: true,
  params: true,
  mode: true,
  enabled: true,
  coolDownMinutes: true,
  halfOpen: true,
  state: true,
  stateChangedAt: true,
  lastFiredAt: true,
  windowStartedAt: true,
  lastValue: true,
  lastEvaluatedAt: true,
  probeRunId: true,
  createdAt: true,
  updatedAt: true,
  agent: { select: { name: true } },
  events: { orderBy: { at: "desc" as const }, take: EVENTS_PER_BREAKER, select: { id: true, kind: true, value: true, message: true, runIds: true, at: true } },
} as const;

/** A breaker as SELECT reads it (the type follows the select, so the two cannot drift). */
type Row = Prisma.BreakerGetPayload<{ select: typeof SELECT }>;

function viewOf(row: Row): BreakerView {
  const rule = ruleOf(row.condition, row.params);
  const params = row.params && typeof row.params === "object" && !Array.isArray(row.params) ? (row.params as Record<string, unknown>) : {};
  return {
    id: row.id,
    agentId: row.agentId,
    agentName: row.agent.name,
    name: row.name,
    condition: row.condition,
    params,
    rule,
    mode: row.mode,
    enabled: row.enabled,
    coolDownMinutes: row.coolDownMinutes,
    halfOpen: row.halfOpen,
    state: row.state,
    stateChangedAt: row.stateChangedAt,
    lastFiredAt: row.lastFiredAt,
    windowStartedAt: row.windowStartedAt,
    lastValue: row.lastValue,
    lastEvaluatedAt: row.lastEvaluatedAt,
    probeRunId: row.probeRunId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    description: rule ? describeRule(rule) : "Parameters do not fit the condition: never evaluated.",
    threshold: rule ? thresholdOf(rule) : null,
    thresholdText: rule ? formatThreshold(rule) : "—",
    valueText: formatValue(row.condition, row.lastValue),
    events: row.events.map((e) => ({ ...e, breakerId: row.id, breakerName: row.name })),
  };
}

export async function agentByName(name: string): Promise<{ id: string; name: string } | null> {
  return db.agent.findUnique({ where: { name }, select: { id: true, name: true } });
}

/** An agent's breakers, by name, with their latest events. */
export async function listBreakers(agentId: string): Promise<BreakerView[]> {
  const rows = await db.breaker.findMany({ where: { agentId }, orderBy: { name: "asc" }, select: SELECT });
  return rows.map((r) => viewOf(r));
}

export async function getBreaker(agentId: string, id: string): Promise<BreakerView | null> {
  const row = await db.breaker.findFirst({ where: { id, agentId }, select: SELECT });
  return row ? viewOf(row) : null;
}

/** An agent's latest breaker events (all its breakers). */
export async function recentBreakerEvents(agentId: string, limit = 10): Promise<BreakerEventView[]> {
  const rows = await db.breakerEvent.findMany({
    where: { agentId },
    orderBy: { at: "desc" },
    take: Math.min(Math.max(1, limit), 100),
    select: { id: true, breakerId: true, kind: true, value: true, message: true, runIds: true, at: true, breaker: { select: { name: true } } },
  });
  return rows.map(({ breaker, ...e }) => ({ ...e, breakerName: breaker.name }));
}

export interface BreakerActivity extends BreakerEventView {
  agent: string;
  mode: BreakerModeName;
}

/** The latest trips and would-have-tripped events across agents, newest first (the Overview). */
export async function recentBreakerActivity(limit = 10): Promise<BreakerActivity[]> {
  const rows = await db.breakerEvent.findMany({
    where: { kind: { in: ["TRIPPED", "WOULD_TRIP"] } },
    orderBy: { at: "desc" },
    take: Math.min(Math.max(1, limit), 100),
    select: { id: true, breakerId: true, kind: true, value: true, message: true, runIds: true, at: true, breaker: { select: { name: true, mode: true, agent: { select: { name: true } } } } },
  });
  return rows.map(({ breaker, ...e }) => ({ ...e, breakerName: breaker.name, agent: breaker.agent.name, mode: breaker.mode }));
}

export interface BreakerSummary {
  count: number;
  enabled: number;
  /** Open or half-open: holding the agent, or testing it. */
  open: number;
}

/** How many breakers an agent has, how many enabled, how many not closed (the agents list). */
export async function breakerSummary(agentId: string): Promise<BreakerSummary> {
  const rows = await db.breaker.groupBy({ by: ["enabled", "state"], where: { agentId }, _count: { _all: true } });
  let count = 0;
  let enabled = 0;
  let open = 0;
  for (const r of rows) {
    count += r._count._all;
    if (r.enabled) enabled += r._count._all;
    if (r.state !== "CLOSED") open += r._count._all;
  }
  return { count, enabled, open };
}

/** A breaker as the HTTP API answers it (lower-case enum values, ISO times). */
export interface BreakerJson {
  id: string;
  agent: string;
  name: string;
  condition: string;
  params: Record<string, unknown>;
  description: string;
  mode: "observe" | "enforce";
  enabled: boolean;
  coolDownMinutes: number;
  halfOpen: boolean;
  state: "closed" | "open" | "half_open";
  stateChangedAt: string | null;
  lastFiredAt: string | null;
  windowStartedAt: string | null;
  threshold: number | null;
  value: number | null;
  evaluatedAt: string | null;
  probeRunId: string | null;
  createdAt: string;
  updatedAt: string;
  events: { kind: string; value: number | null; message: string; runIds: string[]; at: string }[];
}

const isoOrNull = (d: Date | null) => d?.toISOString() ?? null;

export function breakerJson(view: BreakerView): BreakerJson {
  return {
    id: view.id,
    agent: view.agentName,
    name: view.name,
    condition: toApiCondition(view.condition),
    params: view.params,
    description: view.description,
    mode: view.mode.toLowerCase() as BreakerJson["mode"],
    enabled: view.enabled,
    coolDownMinutes: view.coolDownMinutes,
    halfOpen: view.halfOpen,
    state: view.state.toLowerCase() as BreakerJson["state"],
    stateChangedAt: isoOrNull(view.stateChangedAt),
    lastFiredAt: isoOrNull(view.lastFiredAt),
    windowStartedAt: isoOrNull(view.windowStartedAt),
    threshold: view.threshold,
    value: view.lastValue,
    evaluatedAt: isoOrNull(view.lastEvaluatedAt),
    probeRunId: view.probeRunId,
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
    events: view.events.map((e) => ({ kind: e.kind.toLowerCase(), value: e.value, message: e.message, runIds: e.runIds, at: e.at.toISOString() })),
  };
}
