/**
 * Every write to breakers, as commands (lib/commands): people and keys with
 * `agents:control` create, change and delete an agent's breakers; the system
 * (the ingestion hook and the sweep job) records what a breaker did — would
 * have tripped (observe), tripped the agent (enforce, through the status
 * module's `tripAgentCommand`), let one run through (half-open), closed.
 *
 * Each command re-reads and locks its breaker row and re-checks the state it
 * expects, so two instances (or two job bodies) racing on one breaker change
 * it once: the second finds it no longer in that state and does nothing.
 * A key given to an agent never changes breakers: an agent must not lift its
 * own. Every configuration change empties the breaker caches (cache.ts).
 */
import { createHash } from "node:crypto";
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { ROW_ID } from "@/lib/ids";
import { issuesToDetails } from "@/lib/api/parse";
import { emitEvent, mrkdwn } from "@/lib/webhooks/events";
import { forgetAgentStatus } from "../gate";
import { transitionStatus, tripAgentCommand, type AgentStatusName } from "../status";
import { forgetBreakers } from "./cache";
import { describeRule, thresholdOf } from "./conditions";
import { breakerChangesSchema, MAX_BREAKERS_PER_AGENT, parseSettings, ruleOf, type BreakerSettings } from "./schemas";

// ───────────── People and keys: configuration ─────────────

interface BreakerRow {
  id: string;
  agentId: string;
  name: string;
  condition: string;
  params: unknown;
  mode: "OBSERVE" | "ENFORCE";
  enabled: boolean;
  coolDownMinutes: number;
  halfOpen: boolean;
  state: "CLOSED" | "OPEN" | "HALF_OPEN";
}

/** What the audit log records of a breaker's configuration. */
function configOf(row: Pick<BreakerRow, "name" | "condition" | "params" | "mode" | "enabled" | "coolDownMinutes" | "halfOpen">) {
  return { name: row.name, condition: row.condition, params: row.params, mode: row.mode, enabled: row.enabled, coolDownMinutes: row.coolDownMinutes, halfOpen: row.halfOpen };
}

function invalid(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): AppError {
  return new AppError("bad_request:breaker", error.issues[0]?.message ?? "The breaker is not valid.", issuesToDetails(error.issues));
}

async function assertNotAgentKey(tx: Tx, actor: Actor): Promise<void> {
  if (actor.type !== "API_KEY") return;
  const key = await tx.apiKey.findUnique({ where: { id: actor.id }, select: { agentId: true } });
  if (key?.agentId) throw new AppError("forbidden:agent_key", "A key given to an agent cannot change breakers: an agent never lifts its own breaker.");
}

async function agentNamed(tx: Tx, name: unknown) {
  if (typeof name !== "string" || name.length === 0 || name.length > 200) throw new AppError("bad_request:agent_name", "Name the agent (at most 200 characters).");
  const agent = await tx.agent.findUnique({ where: { name }, select: { id: true, name: true } });
  if (!agent) throw new AppError("not_found:agent", `There is no agent named ${name}.`);
  return agent;
}

/** The breaker of this agent, locked until the transaction ends. */
async function lockBreaker(tx: Tx, agentId: string | null, id: unknown): Promise<BreakerRow & { agentName: string; stateChangedAt: Date | null; probeRunId: string | null }> {
  if (typeof id !== "string" || !ROW_ID.test(id)) throw new AppError("not_found:breaker", "There is no such breaker.");
  const [row] = await tx.$queryRaw<(BreakerRow & { agentName: string; stateChangedAt: Date | null; probeRunId: string | null })[]>`
    SELECT b."id", b."agentId", b."name", b."condition"::text AS "condition", b."params", b."mode"::text AS "mode", b."enabled",
           b."coolDownMinutes", b."halfOpen", b."state"::text AS "state", b."stateChangedAt" AT TIME ZONE 'UTC' AS "stateChangedAt", b."probeRunId",
           (SELECT a."name" FROM "Agent" a WHERE a."id" = b."agentId") AS "agentName"
    FROM "Breaker" b WHERE b."id" = ${id} FOR UPDATE OF b`;
  if (!row || (agentId !== null && row.agentId !== agentId)) throw new AppError("not_found:breaker", "There is no such breaker.");
  return row;
}

/** Serialises creating breakers of one agent (the per-agent limit holds under concurrency) without touching the Agent row. */
async function lockAgentBreakers(tx: Tx, agentId: string): Promise<void> {
  const key = createHash("sha256").update(`breakers:${agentId}`).digest().readBigInt64BE(0);
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${key}::int8)`;
}

export interface CreateBreakerInput {
  agent: string;
  /** Validated here (BreakerSettings): a command is a trust boundary. */
  settings: unknown;
}

export const createBreakerCommand = defineCommand("breaker.create", { user: "agents:control", key: "agents:control" }, async (tx, actor, input: CreateBreakerInput) => {
  await assertNotAgentKey(tx, actor);
  const agent = await agentNamed(tx, input?.agent);
  const parsed = parseSettings(input.settings);
  if (!parsed.success) throw invalid(parsed.error);
  const s = parsed.data;
  await lockAgentBreakers(tx, agent.id);
  const existing = await tx.breaker.findMany({ where: { agentId: agent.id }, select: { name: true } });
  if (existing.some((b) => b.name === s.name)) throw new AppError("conflict:breaker_exists", `Agent ${agent.name} already has a breaker named ${s.name}.`);
  if (existing.length >= MAX_BREAKERS_PER_AGENT) throw new AppError("conflict:breaker_limit", `An agent has at most ${MAX_BREAKERS_PER_AGENT} breakers; delete one first.`);
  const row = await tx.breaker.create({
    data: {
      agentId: agent.id,
      name: s.name,
      condition: s.condition,
      params: s.params as Prisma.InputJsonValue,
      mode: s.mode,
      enabled: s.enabled,
      coolDownMinutes: s.coolDownMinutes,
      halfOpen: s.halfOpen,
      createdById: actor.type === "USER" ? actor.id : null,
    },
  });
  await forgetBreakers(tx);
  return {
    result: row,
    audit: { targetType: "breaker", targetId: row.id, after: configOf(row), metadata: { agent: agent.name, description: describeRule(s) } },
  };
});

export interface UpdateBreakerInput {
  agent: string;
  breakerId: string;
  /** Any of the settings; validated with the breaker's others (BreakerSettings). */
  changes: unknown;
}


export const updateBreakerCommand = defineCommand("breaker.update", { user: "agents:control", key: "agents:control" }, async (tx, actor, input: UpdateBreakerInput) => {
  await assertNotAgentKey(tx, actor);
  const agent = await agentNamed(tx, input?.agent);
  const changes = breakerChangesSchema.safeParse(input.changes);
  if (!changes.success) throw invalid(changes.error);
  if (Object.keys(changes.data).length === 0) throw new AppError("bad_request:breaker", "Send at least one setting to change.");
  const before = await lockBreaker(tx, agent.id, input.breakerId);
  const merged = parseSettings({ ...configOf(before), ...changes.data });
  if (!merged.success) throw invalid(merged.error);
  const s: BreakerSettings = merged.data;
  if (s.name !== before.name && (await tx.breaker.findUnique({ where: { agentId_name: { agentId: agent.id, name: s.name } }, select: { id: true } }))) {
    throw new AppError("conflict:breaker_exists", `Agent ${agent.name} already has a breaker named ${s.name}.`);
  }
  const ruleChanged = s.condition !== before.condition || JSON.stringify(s.params) !== JSON.stringify(before.params);
  // Disabled or only observing, it no longer holds the agent: its state starts over (the agent stays as it is: a person resumes it).
  const reset = before.state !== "CLOSED" && (!s.enabled || s.mode === "OBSERVE");
  const row = await tx.breaker.update({
    where: { id: before.id },
    data: {
      name: s.name,
      condition: s.condition,
      params: s.params as Prisma.InputJsonValue,
      mode: s.mode,
      enabled: s.enabled,
      coolDownMinutes: s.coolDownMinutes,
      halfOpen: s.halfOpen,
      ...(ruleChanged ? { lastValue: null, lastEvaluatedAt: null } : {}),
      ...(reset ? { state: "CLOSED" as const, stateChangedAt: new Date(), probeRunId: null } : {}),
    },
  });
  await forgetBreakers(tx);
  const after = configOf(row);
  if (JSON.stringify(after) === JSON.stringify(configOf(before))) return { result: row, audit: null };
  return {
    result: row,
    audit: {
      targetType: "breaker",
      targetId: row.id,
      before: { ...configOf(before), state: before.state },
      after: { ...after, state: row.state },
      metadata: { agent: agent.name, description: describeRule(s) },
    },
  };
});

export interface DeleteBreakerInput {
  agent: string;
  breakerId: string;
}

export const deleteBreakerCommand = defineCommand("breaker.delete", { user: "agents:control", key: "agents:control" }, async (tx, actor, input: DeleteBreakerInput) => {
  await assertNotAgentKey(tx, actor);
  const agent = await agentNamed(tx, input?.agent);
  const before = await lockBreaker(tx, agent.id, input.breakerId);
  await tx.breaker.delete({ where: { id: before.id } });
  await forgetBreakers(tx);
  return {
    result: { id: before.id, name: before.name },
    audit: { targetType: "breaker", targetId: before.id, before: { ...configOf(before), state: before.state }, metadata: { agent: agent.name } },
  };
});

export const createBreaker = (actor: Actor, input: CreateBreakerInput) => execute(createBreakerCommand, actor, input);
export const updateBreaker = (actor: Actor, input: UpdateBreakerInput) => execute(updateBreakerCommand, actor, input);
export const deleteBreaker = (actor: Actor, input: DeleteBreakerInput) => execute(deleteBreakerCommand, actor, input);

// ───────────── The system: what breakers do ─────────────

/** A breaker that crossed its threshold, as the hook or the sweep measured it. */
export interface Firing {
  breakerId: string;
  breakerName: string;
  agentId: string;
  agentName: string;
  team: string | null;
  condition: string;
  params: unknown;
  /** The measure that crossed; null when it is not a measure (a failed half-open probe). */
  value: number | null;
  message: string;
  runIds: string[];
  now: Date;
}

async function recordEvent(tx: Tx, f: { breakerId: string; agentId: string; kind: "WOULD_TRIP" | "TRIPPED" | "HALF_OPEN" | "CLOSED"; value: number | null; message: string; runIds: string[]; at: Date }) {
  await tx.breakerEvent.create({ data: { breakerId: f.breakerId, agentId: f.agentId, kind: f.kind, value: f.value, message: f.message, runIds: f.runIds, at: f.at } });
}

function thresholdFor(condition: string, params: unknown): number | null {
  const rule = ruleOf(condition, params);
  return rule ? thresholdOf(rule) : null;
}

/** Observe mode: records that it would have tripped, notifies, and restarts its window (the caller holds the row lock and checked the cool-down). */
export const recordWouldTripCommand = defineCommand("breaker.would_trip", { user: "admin" }, async (tx, _actor, f: Firing) => {
  await tx.breaker.update({ where: { id: f.breakerId }, data: { lastFiredAt: f.now, windowStartedAt: f.now, ...(f.value !== null ? { lastValue: f.value, lastEvaluatedAt: f.now } : {}) } });
  await recordEvent(tx, { breakerId: f.breakerId, agentId: f.agentId, kind: "WOULD_TRIP", value: f.value, message: f.message, runIds: f.runIds, at: f.now });
  const threshold = thresholdFor(f.condition, f.params);
  await emitEvent(tx, {
    type: "breaker.would_trip",
    data: { agent: f.agentName, team: f.team, breaker: f.breakerName, breakerId: f.breakerId, condition: f.condition.toLowerCase(), value: f.value, threshold, message: f.message, runIds: f.runIds.slice(0, 20) },
    text: mrkdwn`Breaker *${f.breakerName}* of agent *${f.agentName}* would have tripped (observe mode): ${f.message}`,
    link: { url: `/agents/${encodeURIComponent(f.agentName)}`, label: "Open the agent" },
    occurredAt: f.now,
  });
  return {
    result: true,
    audit: {
      targetType: "breaker",
      targetId: f.breakerId,
      after: { kind: "WOULD_TRIP", value: f.value, message: f.message },
      metadata: { agent: f.agentName, breaker: f.breakerName, condition: f.condition, threshold, runIds: f.runIds.slice(0, 20) },
    },
  };
});

/**
 * Enforce mode: trips the agent through `tripAgentCommand` (status, status
 * event, `agent.trip` audit, `agent.tripped` webhook, notification), then opens
 * the breaker. Nothing when the agent was not in `from` (paused by a person,
 * tripped already: the conditional update in transitionStatus decides).
 */
export const tripByBreakerCommand = defineCommand("agent.trip", { user: "admin" }, async (tx, actor, f: Firing & { from?: readonly AgentStatusName[] }) => {
  const result = await tripAgentCommand(tx, actor, { agentId: f.agentId, breakerId: f.breakerId, breakerName: f.breakerName, reason: f.message, runIds: f.runIds, from: f.from });
  if (!result) return { result: null, audit: null };
  await tx.breaker.update({
    where: { id: f.breakerId },
    data: { state: "OPEN", stateChangedAt: f.now, lastFiredAt: f.now, windowStartedAt: f.now, probeRunId: null, ...(f.value !== null ? { lastValue: f.value, lastEvaluatedAt: f.now } : {}) },
  });
  await recordEvent(tx, { breakerId: f.breakerId, agentId: f.agentId, kind: "TRIPPED", value: f.value, message: f.message, runIds: f.runIds, at: f.now });
  forgetAgentStatus(result.name);
  // Audited by tripAgentCommand (`agent.trip`, naming the breaker).
  return { result, audit: null };
});

export interface HalfOpenInput {
  breakerId: string;
  now: Date;
}

/** After the cool-down: resumes the agent this breaker tripped so one run can show whether it behaves (the sweep). Null when no longer due. */
export const halfOpenBreakerCommand = defineCommand("breaker.half_open", { user: "admin" }, async (tx, _actor, input: HalfOpenInput) => {
  const b = await lockBreaker(tx, null, input.breakerId);
  const due = b.enabled && b.halfOpen && b.mode === "ENFORCE" && b.state === "OPEN" && b.stateChangedAt !== null && input.now.getTime() - b.stateChangedAt.getTime() >= b.coolDownMinutes * 60_000;
  if (!due) return { result: null, audit: null };
  const [agent] = await tx.$queryRaw<{ status: string; statusBreakerId: string | null }[]>`
    SELECT "status"::text AS "status", "statusBreakerId" FROM "Agent" WHERE "id" = ${b.agentId} FOR UPDATE`;
  if (agent?.status !== "TRIPPED" || agent.statusBreakerId !== b.id) return { result: null, audit: null };
  const reason = `Half-open test of breaker ${b.name}: one run is let through after the ${b.coolDownMinutes}-minute cool-down.`;
  const resumed = await transitionStatus(tx, { agentId: b.agentId, from: ["TRIPPED"], to: "ACTIVE", reason, setBy: `breaker:${b.name}`, breakerId: b.id });
  if (!resumed) return { result: null, audit: null };
  await tx.breaker.update({ where: { id: b.id }, data: { state: "HALF_OPEN", stateChangedAt: input.now, windowStartedAt: input.now, probeRunId: null } });
  await recordEvent(tx, { breakerId: b.id, agentId: b.agentId, kind: "HALF_OPEN", value: null, message: reason, runIds: [], at: input.now });
  await emitEvent(tx, {
    type: "agent.resumed",
    data: { agent: resumed.name, team: resumed.team, status: "active", previous: "tripped", reason, setBy: `breaker:${b.name}`, halfOpen: true },
    text: mrkdwn`Agent *${resumed.name}* was resumed by breaker ${b.name} for a half-open test: ${reason}`,
    link: { url: `/agents/${encodeURIComponent(resumed.name)}`, label: "Open the agent" },
    occurredAt: input.now,
  });
  forgetAgentStatus(resumed.name);
  return {
    result: { agent: resumed.name, breaker: b.name },
    audit: { targetType: "breaker", targetId: b.id, before: { state: "OPEN" }, after: { state: "HALF_OPEN" }, metadata: { agent: b.agentName, breaker: b.name, reason } },
  };
});

export interface CloseInput {
  breakerId: string;
  now: Date;
  /** Only from these states (the caller's reading). */
  from: readonly ("OPEN" | "HALF_OPEN")[];
  /** In words, for the event and the audit log. */
  reason: string;
  runIds?: string[];
  /** Where its data starts again (default now). */
  windowStartedAt?: Date;
}

/** Closes the breaker: its probe run succeeded, or a person took the agent over (resumed, paused) while it was open. */
export const closeBreakerCommand = defineCommand("breaker.close", { user: "admin" }, async (tx, _actor, input: CloseInput) => {
  const b = await lockBreaker(tx, null, input.breakerId);
  if (!input.from.includes(b.state as "OPEN" | "HALF_OPEN")) return { result: null, audit: null };
  await tx.breaker.update({ where: { id: b.id }, data: { state: "CLOSED", stateChangedAt: input.now, windowStartedAt: input.windowStartedAt ?? input.now, probeRunId: null } });
  await recordEvent(tx, { breakerId: b.id, agentId: b.agentId, kind: "CLOSED", value: null, message: input.reason, runIds: input.runIds ?? [], at: input.now });
  return {
    result: { breaker: b.name },
    audit: { targetType: "breaker", targetId: b.id, before: { state: b.state }, after: { state: "CLOSED" }, metadata: { agent: b.agentName, breaker: b.name, reason: input.reason, runIds: input.runIds ?? [] } },
  };
});

/** Records the run a half-open breaker lets through (first come, first kept). */
export async function recordProbeRun(tx: Tx, breakerId: string, runId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "Breaker" SET "probeRunId" = ${runId} WHERE "id" = ${breakerId} AND "state" = 'HALF_OPEN' AND "probeRunId" IS NULL`;
}
