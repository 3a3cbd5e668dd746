/**
 * An agent's status: active, paused (by a person or incident tooling) or
 * tripped (by a breaker). One write path, `transitionStatus`, used by every
 * command here and by the breakers: a conditional UPDATE (only from the
 * statuses the caller expects, so two instances or two people racing change
 * it once), a row in AgentStatusEvent, and a notification on `agent_status`
 * in the same transaction, which empties every instance's gate cache
 * (gate.ts) and wakes long-polling agents (GET …/status?waitSeconds=).
 *
 * Rules: pausing and resuming need `agents:control` (ops leads, admins, keys
 * with that scope); a key given to an agent can pause it but never resume it;
 * resuming a tripped agent needs the trip's reason acknowledged.
 */
import type { Actor } from "@/lib/audit";
import { defineCommand, type Outcome } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { notify } from "@/lib/db/notifications";
import { AppError } from "@/lib/errors";
import { emitEvent, mrkdwn } from "@/lib/webhooks/events";

export const AGENT_STATUS_CHANNEL = "agent_status";
export { REASON_MAX } from "./status-limits";

export type AgentStatusName = "ACTIVE" | "PAUSED" | "TRIPPED";

export interface AgentStatusJson {
  agent: string;
  status: "active" | "paused" | "tripped";
  reason: string | null;
  /** When the status last changed (ISO); null for an agent never paused or tripped. */
  since: string | null;
  setBy: string | null;
  breaker: string | null;
}

export interface AgentStatusRow {
  name: string;
  status: AgentStatusName;
  statusReason: string | null;
  statusChangedAt: Date | null;
  statusSetBy: string | null;
  breakerName: string | null;
}

export function statusJson(row: AgentStatusRow): AgentStatusJson {
  return {
    agent: row.name,
    status: row.status.toLowerCase() as AgentStatusJson["status"],
    reason: row.statusReason,
    since: row.statusChangedAt?.toISOString() ?? null,
    setBy: row.statusSetBy,
    breaker: row.breakerName,
  };
}

/** The one statement every status read uses (route, gate, pages). */
export const STATUS_SELECT = `
  SELECT a."name", a."status"::text AS "status", a."statusReason", (a."statusChangedAt" AT TIME ZONE 'UTC') AS "statusChangedAt", a."statusSetBy",
         (SELECT b."name" FROM "Breaker" b WHERE b."id" = a."statusBreakerId") AS "breakerName"
  FROM "Agent" a`;

/** Who the status shows as set by: a person's name, `key:<name>`, or `breaker:<name>` / the system. */
export function setByOf(actor: Actor): string {
  if (actor.type === "API_KEY") return `key:${actor.label}`;
  return actor.label;
}

export interface Transition {
  agentId: string;
  /** Only from these statuses; anything else leaves the agent as it is and answers null. */
  from: readonly AgentStatusName[];
  to: AgentStatusName;
  reason: string;
  setBy: string;
  userId?: string | null;
  breakerId?: string | null;
  acknowledged?: string | null;
}

export interface TransitionResult {
  name: string;
  team: string | null;
  previous: AgentStatusName;
  status: AgentStatusName;
  previousReason: string | null;
  at: Date;
}

/**
 * Moves the agent to `to` if it is in one of `from`, records the event and
 * notifies; null when it was not (someone else got there first, or it already is).
 * The row is locked FOR NO KEY UPDATE, not FOR UPDATE: every ingest
 * transaction that inserted a run of the agent holds FOR KEY SHARE on it until
 * it commits (the foreign key), which FOR UPDATE would wait behind.
 */
export async function transitionStatus(tx: Tx, t: Transition): Promise<TransitionResult | null> {
  const rows = await tx.$queryRaw<{ name: string; team: string | null; previous: AgentStatusName; previousReason: string | null; at: Date }[]>`
    WITH old AS (SELECT "id", "status"::text AS "status", "statusReason" FROM "Agent" WHERE "id" = ${t.agentId} FOR NO KEY UPDATE)
    UPDATE "Agent" a SET "status" = ${t.to}::"AgentStatus", "statusReason" = ${t.to === "ACTIVE" ? null : t.reason},
           "statusChangedAt" = now(), "statusSetBy" = ${t.setBy}, "statusBreakerId" = ${t.to === "TRIPPED" ? (t.breakerId ?? null) : null}, "updatedAt" = now()
    FROM old
    WHERE a."id" = old."id" AND old."status" = ANY(${t.from as AgentStatusName[]}::text[])
    RETURNING a."name", (SELECT tm."name" FROM "Team" tm WHERE tm."id" = a."teamId") AS "team", old."status" AS "previous", old."statusReason" AS "previousReason",
              (a."statusChangedAt" AT TIME ZONE 'UTC') AS "at"`;
  const row = rows[0];
  if (!row) return null;
  await tx.agentStatusEvent.create({
    data: {
      agentId: t.agentId,
      status: t.to,
      previous: row.previous,
      reason: t.reason,
      setBy: t.setBy,
      userId: t.userId ?? null,
      breakerId: t.breakerId ?? null,
      acknowledged: t.acknowledged ?? null,
      at: row.at,
    },
  });
  await notify(tx, AGENT_STATUS_CHANNEL, { key: row.name, status: t.to.toLowerCase() });
  return { name: row.name, team: row.team, previous: row.previous, status: t.to, previousReason: row.previousReason, at: row.at };
}

export interface SetStatusInput {
  agent: string;
  status: "ACTIVE" | "PAUSED";
  reason: string;
  /** Resuming a tripped agent: the person confirms they read why it tripped. */
  acknowledgeTrip?: boolean;
}

export interface SetStatusResult {
  changed: boolean;
  status: AgentStatusName;
  agent: string;
}

async function agentByName(tx: Tx, name: string) {
  const agent = await tx.agent.findUnique({ where: { name }, select: { id: true, name: true, status: true, statusReason: true } });
  if (!agent) throw new AppError("not_found:agent", `There is no agent named ${name}.`);
  return agent;
}

/** A key given to this agent may stop it but never start it again: that must be a person or other tooling. */
async function assertMayResume(tx: Tx, actor: Actor, agentId: string): Promise<void> {
  if (actor.type !== "API_KEY") return;
  const key = await tx.apiKey.findUnique({ where: { id: actor.id }, select: { agentId: true } });
  if (key?.agentId === agentId) throw new AppError("forbidden:agent_own_key", "An agent's own key cannot resume it; a person or another key with agents:control must.");
}

async function setOne(tx: Tx, actor: Actor, input: SetStatusInput) {
  const agent = await agentByName(tx, input.agent);
  const reason = input.reason.trim();
  if (!reason) throw new AppError("bad_request:reason", "Say why: a reason is required.");
  if (input.status === "ACTIVE") {
    await assertMayResume(tx, actor, agent.id);
    if (agent.status === "TRIPPED" && !input.acknowledgeTrip) {
      throw new AppError("conflict:trip_not_acknowledged", `The agent tripped: ${agent.statusReason ?? "no reason recorded"}. Acknowledge that reason to resume it.`);
    }
  }
  const from: AgentStatusName[] = input.status === "ACTIVE" ? ["PAUSED", "TRIPPED"] : ["ACTIVE", "TRIPPED"];
  const result = await transitionStatus(tx, {
    agentId: agent.id,
    from,
    to: input.status,
    reason,
    setBy: setByOf(actor),
    userId: actor.type === "USER" ? actor.id : null,
    acknowledged: input.status === "ACTIVE" && agent.status === "TRIPPED" ? agent.statusReason : null,
  });
  return { agent, reason, result };
}

const statusAudit = (agentId: string, result: TransitionResult, reason: string, acknowledged: string | null) => ({
  action: result.status === "ACTIVE" ? ("agent.resume" as const) : ("agent.pause" as const),
  targetType: "agent",
  targetId: agentId,
  before: { status: result.previous, reason: result.previousReason },
  after: { status: result.status, reason },
  metadata: { agent: result.name, ...(acknowledged ? { acknowledgedTrip: acknowledged } : {}) },
});

async function emitStatusEvent(tx: Tx, result: TransitionResult, reason: string, by: string): Promise<void> {
  const paused = result.status === "PAUSED";
  await emitEvent(tx, {
    type: paused ? "agent.paused" : "agent.resumed",
    data: { agent: result.name, team: result.team, status: result.status.toLowerCase(), previous: result.previous.toLowerCase(), reason, setBy: by },
    text: paused ? mrkdwn`Agent *${result.name}* was paused by ${by}: ${reason}` : mrkdwn`Agent *${result.name}* was resumed by ${by}: ${reason}`,
    link: { url: `/agents/${encodeURIComponent(result.name)}`, label: "Open the agent" },
    occurredAt: result.at,
  });
}

/** Pause or resume one agent (people with agents:control, keys with agents:control). */
export const setAgentStatusCommand = defineCommand("agent.pause", { user: "agents:control", key: "agents:control" }, async (tx, actor, input: SetStatusInput): Promise<Outcome<SetStatusResult>> => {
  const { agent, reason, result } = await setOne(tx, actor, input);
  if (!result) return { result: { changed: false, status: agent.status, agent: agent.name } satisfies SetStatusResult, audit: null };
  await emitStatusEvent(tx, result, reason, setByOf(actor));
  return {
    result: { changed: true, status: result.status, agent: result.name } satisfies SetStatusResult,
    audit: statusAudit(agent.id, result, reason, input.status === "ACTIVE" && agent.status === "TRIPPED" ? agent.statusReason : null),
  };
});

export interface SetTeamStatusInput {
  team: string;
  status: "ACTIVE" | "PAUSED";
  reason: string;
}

export interface SetTeamStatusResult {
  team: string;
  changed: string[];
  /** Resuming a team leaves its tripped agents tripped: each needs its own acknowledgement. */
  skippedTripped: string[];
}

/** Pause or resume every agent of a team in one transaction; one audit event naming them. */
export const setTeamStatusCommand = defineCommand("agent.pause", { user: "agents:control", key: "agents:control" }, async (tx, actor, input: SetTeamStatusInput) => {
  const team = await tx.team.findUnique({ where: { name: input.team }, select: { id: true, name: true } });
  if (!team) throw new AppError("not_found:team", `There is no team named ${input.team}.`);
  const reason = input.reason.trim();
  if (!reason) throw new AppError("bad_request:reason", "Say why: a reason is required.");
  // Name order, like the registry's inserts, so two team-wide changes cannot deadlock.
  const agents = await tx.agent.findMany({ where: { teamId: team.id }, select: { id: true, name: true, status: true }, orderBy: { name: "asc" } });
  const changed: string[] = [];
  const skippedTripped: string[] = [];
  const by = setByOf(actor);
  for (const agent of agents) {
    if (input.status === "ACTIVE" && agent.status === "TRIPPED") {
      skippedTripped.push(agent.name);
      continue;
    }
    if (input.status === "ACTIVE") await assertMayResume(tx, actor, agent.id);
    const result = await transitionStatus(tx, {
      agentId: agent.id,
      from: input.status === "ACTIVE" ? ["PAUSED"] : ["ACTIVE"],
      to: input.status,
      reason,
      setBy: by,
      userId: actor.type === "USER" ? actor.id : null,
    });
    if (!result) continue;
    changed.push(result.name);
    await emitStatusEvent(tx, result, reason, by);
  }
  const result: SetTeamStatusResult = { team: team.name, changed, skippedTripped };
  if (changed.length === 0) return { result, audit: null };
  return {
    result,
    audit: {
      action: input.status === "ACTIVE" ? ("agent.resume" as const) : ("agent.pause" as const),
      targetType: "team",
      targetId: team.id,
      after: { status: input.status, reason },
      metadata: { team: team.name, agents: changed, ...(skippedTripped.length ? { skippedTripped } : {}) },
    },
  };
});

export interface TripInput {
  agentId: string;
  breakerId: string;
  breakerName: string;
  reason: string;
  runIds: string[];
  /** From these statuses only (a half-open probe's failure trips from ACTIVE too). */
  from?: readonly AgentStatusName[];
}

/**
 * A breaker trips its agent (the system, never a person or key). Only an
 * active agent trips: a paused one stays paused, a tripped one is not tripped
 * twice (two instances evaluating the same span race on the conditional
 * UPDATE; one wins). Emits `agent.tripped`.
 */
export const tripAgentCommand = defineCommand("agent.trip", { user: "admin" }, async (tx, _actor, input: TripInput) => {
  const result = await transitionStatus(tx, {
    agentId: input.agentId,
    from: input.from ?? ["ACTIVE"],
    to: "TRIPPED",
    reason: input.reason,
    setBy: `breaker:${input.breakerName}`,
    breakerId: input.breakerId,
  });
  if (!result) return { result: null, audit: null };
  await emitEvent(tx, {
    type: "agent.tripped",
    data: { agent: result.name, team: result.team, breaker: input.breakerName, reason: input.reason, runIds: input.runIds.slice(0, 20) },
    text: mrkdwn`Agent *${result.name}* tripped (breaker ${input.breakerName}): ${input.reason}`,
    link: { url: `/agents/${encodeURIComponent(result.name)}`, label: "Open the agent" },
    occurredAt: result.at,
  });
  return {
    result,
    audit: {
      targetType: "agent",
      targetId: input.agentId,
      before: { status: result.previous },
      after: { status: "TRIPPED", reason: input.reason },
      metadata: { agent: result.name, breaker: input.breakerName, breakerId: input.breakerId, runIds: input.runIds.slice(0, 20) },
    },
  };
});
