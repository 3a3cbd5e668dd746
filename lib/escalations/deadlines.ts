/**
 * Deadlines, SLAs and escalation chains: one job, every few seconds, on one
 * instance per tick (lib/jobs), whose every write is also safe when two bodies
 * run at once (a "run now" beside a tick, a slow tick overlapping the next):
 *
 * - At the deadline the policy's action applies exactly once: reject (fail
 *   closed: EXPIRED), approve the candidate arguments, or keep it open and
 *   flag it overdue. Each escalation is its own transaction that locks the run
 *   and then the escalation (the one lock order) and applies the action with
 *   `UPDATE … WHERE status = 'PENDING' AND "overdueAt" IS NULL AND "expiresAt"
 *   <= now RETURNING`: of two bodies, the second updates nothing and does nothing.
 * - A warning (`escalation.deadline_approaching`) at `warnAt`, an SLA breach
 *   (`escalation.sla_breached`) at `slaDueAt`, and each step of the policy's
 *   chain when the item is still unclaimed, each once: a conditional UPDATE
 *   that stamps the row decides which are new.
 * Every path is recorded on the escalation, audited, queued for webhooks in
 * the same transaction and announced to live queues and waiting agents.
 */
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { defineCommand } from "@/lib/commands";
import { getDb, type Db, type Tx } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { defineJob } from "@/lib/jobs/define";
import { emitEvent, mrkdwn } from "@/lib/webhooks/events";
import { notifyEscalation } from "./channel";
import { lockEscalation, resumeRun } from "./commands";
import { candidateOf, ESCALATION_JSON_SELECT, escalationJson, eventData } from "./json";

export const ESCALATION_JOB_INTERVAL_MS = 5_000;
const BATCH = 100;
export const DEADLINE_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "escalation deadlines" };

const link = (id: string) => ({ url: `/escalations/${id}`, label: "Open the escalation" });
const hhmm = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

type DeadlineOutcome = "expired" | "approved" | "overdue";

/** Applies the policy's action to one escalation whose deadline passed; null when another body (or a person) got there first. */
export const applyDeadlineCommand = defineCommand("escalation.deadline", { user: "admin" }, async (tx, _actor, input: { escalationId: string; now: Date }) => {
  const { escalationId, now } = input;
  const row = await lockEscalation(tx, escalationId);
  const at = now.toISOString();
  const action = (await tx.$queryRaw<{ timeoutAction: string }[]>`
    SELECT "timeoutAction"::text AS "timeoutAction" FROM "Escalation"
    WHERE "id" = ${escalationId} AND "status" = 'PENDING' AND "overdueAt" IS NULL AND "expiresAt" <= ${at}::timestamp(3)`)[0]?.timeoutAction;
  if (!action) return { result: null, audit: null };

  let outcome: DeadlineOutcome;
  if (action === "APPROVE") {
    const candidate = candidateOf(row);
    await tx.escalationDecision.create({
      data: { escalationId, verdict: "APPROVE", comment: "The deadline passed; the policy approves.", decidedByEmail: "deadline", arguments: candidate.arguments as Prisma.InputJsonValue, argumentsHash: candidate.hash, via: "deadline", decidedAt: now },
    });
    await tx.$executeRaw`UPDATE "Escalation" SET "status" = 'APPROVED', "decidedAt" = ${at}::timestamp(3), "approvedArguments" = ${JSON.stringify(candidate.arguments)}::jsonb,
        "approvedArgumentsHash" = ${candidate.hash}, "closedReason" = 'The deadline passed without a decision; the policy approves.', "updatedAt" = ${at}::timestamp(3)
      WHERE "id" = ${escalationId} AND "status" = 'PENDING'`;
    outcome = "approved";
  } else if (action === "KEEP_OPEN") {
    await tx.$executeRaw`UPDATE "Escalation" SET "overdueAt" = ${at}::timestamp(3), "updatedAt" = ${at}::timestamp(3) WHERE "id" = ${escalationId} AND "status" = 'PENDING'`;
    outcome = "overdue";
  } else {
    await tx.$executeRaw`UPDATE "Escalation" SET "status" = 'EXPIRED', "decidedAt" = ${at}::timestamp(3),
        "closedReason" = 'The deadline passed without a decision; the policy rejects (fail closed).', "claimedById" = NULL, "claimExpiresAt" = NULL, "updatedAt" = ${at}::timestamp(3)
      WHERE "id" = ${escalationId} AND "status" = 'PENDING'`;
    outcome = "expired";
  }
  const json = escalationJson(await tx.escalation.findUniqueOrThrow({ where: { id: escalationId }, select: ESCALATION_JSON_SELECT }));
  if (outcome !== "overdue") {
    await resumeRun(tx, row.runId);
    await emitEvent(tx, {
      type: "escalation.decided",
      data: { escalation: eventData(json), verdict: outcome === "approved" ? "approve" : "reject", decidedBy: "deadline", comment: json.comment, via: "deadline" },
      text: mrkdwn`*${row.tool}* for *${row.agentName}* ${outcome === "approved" ? "approved by its policy" : "rejected (expired)"}: nobody decided before the deadline ${hhmm(now)}.`,
      link: link(escalationId),
      occurredAt: now,
    });
  }
  await notifyEscalation(tx, escalationId, outcome === "overdue" ? "overdue" : "expired", json.status);
  return {
    result: outcome,
    audit: { targetType: "escalation", targetId: escalationId, before: { status: "PENDING" }, after: { status: json.status.toUpperCase(), overdue: outcome === "overdue" }, metadata: { timeoutAction: action, deadline: row.expiresAt?.toISOString() ?? null } },
  };
});

interface Stamped {
  id: string;
  agentName: string;
  tool: string;
  policyName: string | null;
  expiresAt: Date | null;
  slaDueAt: Date | null;
}

/** Warnings due: stamped once (warnedAt), announced, audited as one event. */
export const warnDeadlinesCommand = defineCommand("escalation.warn", { user: "admin" }, async (tx, _actor, now: Date) => {
  const at = now.toISOString();
  const rows = await tx.$queryRaw<Stamped[]>`
    UPDATE "Escalation" SET "warnedAt" = ${at}::timestamp(3), "updatedAt" = ${at}::timestamp(3)
    WHERE "id" IN (SELECT "id" FROM "Escalation" WHERE "status" = 'PENDING' AND "warnedAt" IS NULL AND "warnAt" <= ${at}::timestamp(3) ORDER BY "warnAt" LIMIT ${BATCH})
      AND "status" = 'PENDING' AND "warnedAt" IS NULL AND "overdueAt" IS NULL
    RETURNING "id", "agentName", "tool", "policyName", ("expiresAt" AT TIME ZONE 'UTC') AS "expiresAt", ("slaDueAt" AT TIME ZONE 'UTC') AS "slaDueAt"`;
  for (const row of rows) {
    await emitEvent(tx, {
      type: "escalation.deadline_approaching",
      data: { escalation: { id: row.id, agent: row.agentName, tool: row.tool, policy: row.policyName, expiresAt: row.expiresAt?.toISOString() ?? null } },
      text: mrkdwn`*${row.tool}* for *${row.agentName}* is still waiting: its deadline is ${row.expiresAt ? hhmm(row.expiresAt) : "soon"}, when policy ${row.policyName ?? ""} applies its timeout action.`,
      link: link(row.id),
      occurredAt: now,
    });
  }
  return { result: rows.length, audit: rows.length ? { targetType: "escalation", targetId: rows.length === 1 ? rows[0]!.id : null, metadata: { warned: rows.map((r) => r.id) } } : null };
});

/** SLA breaches: stamped once (slaBreachedAt), announced, audited as one event. */
export const recordSlaBreachesCommand = defineCommand("escalation.sla_breach", { user: "admin" }, async (tx, _actor, now: Date) => {
  const at = now.toISOString();
  const rows = await tx.$queryRaw<Stamped[]>`
    UPDATE "Escalation" SET "slaBreachedAt" = ${at}::timestamp(3), "updatedAt" = ${at}::timestamp(3)
    WHERE "id" IN (SELECT "id" FROM "Escalation" WHERE "status" = 'PENDING' AND "slaBreachedAt" IS NULL AND "slaDueAt" <= ${at}::timestamp(3) ORDER BY "slaDueAt" LIMIT ${BATCH})
      AND "status" = 'PENDING' AND "slaBreachedAt" IS NULL
    RETURNING "id", "agentName", "tool", "policyName", ("expiresAt" AT TIME ZONE 'UTC') AS "expiresAt", ("slaDueAt" AT TIME ZONE 'UTC') AS "slaDueAt"`;
  for (const row of rows) {
    await emitEvent(tx, {
      type: "escalation.sla_breached",
      data: { escalation: { id: row.id, agent: row.agentName, tool: row.tool, policy: row.policyName, slaDueAt: row.slaDueAt?.toISOString() ?? null, expiresAt: row.expiresAt?.toISOString() ?? null } },
      text: mrkdwn`*${row.tool}* for *${row.agentName}* missed its SLA (${row.slaDueAt ? hhmm(row.slaDueAt) : ""}) and is still waiting for a decision.`,
      link: link(row.id),
      occurredAt: now,
    });
    await notifyEscalation(tx, row.id, "sla_breached", "PENDING");
  }
  return { result: rows.length, audit: rows.length ? { targetType: "escalation", targetId: rows.length === 1 ? rows[0]!.id : null, metadata: { breached: rows.map((r) => r.id) } } : null };
});

interface Chained {
  id: string;
  agentName: string;
  tool: string;
  chainLevel: number;
  step: { afterMinutes: number; notifyRole: string | null; notifyUsers: string[] } | null;
}

/**
 * The next step of the policy's chain for each pending, unclaimed escalation
 * whose time has come: one UPDATE that moves `chainLevel` on and records what
 * it notified, so a step fires once even with two bodies at once.
 */
export const fireChainsCommand = defineCommand("escalation.chain", { user: "admin" }, async (tx, _actor, now: Date) => {
  const at = now.toISOString();
  const rows = await tx.$queryRaw<Chained[]>`
    UPDATE "Escalation" e SET "chainLevel" = e."chainLevel" + 1,
        "chainNotified" = e."chainNotified" || jsonb_build_array(jsonb_build_object('level', e."chainLevel" + 1, 'at', ${at}::text, 'step', p."escalationChain" -> e."chainLevel")),
        "updatedAt" = ${at}::timestamp(3)
    FROM "Policy" p
    WHERE p."id" = e."policyId" AND e."status" = 'PENDING'
      AND (e."claimedById" IS NULL OR e."claimExpiresAt" <= ${at}::timestamp(3))
      AND jsonb_array_length(p."escalationChain") > e."chainLevel"
      AND e."createdAt" + make_interval(mins => (p."escalationChain" -> e."chainLevel" ->> 'afterMinutes')::int) <= ${at}::timestamp(3)
    RETURNING e."id", e."agentName", e."tool", e."chainLevel", p."escalationChain" -> (e."chainLevel" - 1) AS "step"`;
  for (const row of rows) {
    await notifyEscalation(tx, row.id, "chained", "PENDING");
    const who = [row.step?.notifyRole ? `role ${row.step.notifyRole}` : null, ...(row.step?.notifyUsers ?? [])].filter(Boolean).join(", ") || "the next step";
    await emitEvent(tx, {
      type: "escalation.chain_notified",
      data: { escalation: { id: row.id, agent: row.agentName, tool: row.tool }, level: row.chainLevel, notifyRole: row.step?.notifyRole ?? null, notifyUsers: row.step?.notifyUsers ?? [] },
      text: mrkdwn`Unclaimed escalation: *${row.agentName}* wants to run \`${row.tool}\`. Asking ${who} (chain step ${row.chainLevel}).`,
      link: link(row.id),
      occurredAt: now,
    });
  }
  return {
    result: rows,
    audit: rows.length
      ? { targetType: "escalation", targetId: rows.length === 1 ? rows[0]!.id : null, metadata: { chained: rows.map((r) => ({ id: r.id, level: r.chainLevel, notifyRole: r.step?.notifyRole ?? null, notifyUsers: r.step?.notifyUsers ?? [] })) } }
      : null,
  };
});

export interface DeadlineSweep {
  expired: number;
  approved: number;
  overdue: number;
  warned: number;
  slaBreached: number;
  chained: number;
}

async function dueDeadlines(db: Db, now: Date): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Escalation" WHERE "status" = 'PENDING' AND "overdueAt" IS NULL AND "expiresAt" <= ${now.toISOString()}::timestamp(3)
    ORDER BY "expiresAt" LIMIT ${BATCH}`;
  return rows.map((r) => r.id);
}

const inTx = <T>(db: Db, fn: (tx: Tx) => Promise<T>) => db.$transaction(fn, { maxWait: 10_000, timeout: 20_000 });

/** One sweep: deadlines (one transaction each), then warnings, SLA breaches and chain steps (one each). */
export async function sweepEscalations(db: Db, now = new Date(), signal?: AbortSignal): Promise<DeadlineSweep> {
  const sweep: DeadlineSweep = { expired: 0, approved: 0, overdue: 0, warned: 0, slaBreached: 0, chained: 0 };
  for (const id of await dueDeadlines(db, now)) {
    if (signal?.aborted) break;
    const outcome = await inTx(db, (tx) => applyDeadlineCommand(tx, DEADLINE_ACTOR, { escalationId: id, now }));
    if (outcome) sweep[outcome] += 1;
  }
  sweep.warned = await inTx(db, (tx) => warnDeadlinesCommand(tx, DEADLINE_ACTOR, now));
  sweep.slaBreached = await inTx(db, (tx) => recordSlaBreachesCommand(tx, DEADLINE_ACTOR, now));
  sweep.chained = (await inTx(db, (tx) => fireChainsCommand(tx, DEADLINE_ACTOR, now))).length;
  return sweep;
}

export const escalationDeadlinesJob = defineJob({
  name: "escalation_deadlines",
  description: "Applies each policy's action at an escalation's deadline (once), warns before deadlines, records SLA breaches and fires escalation chains.",
  intervalMs: ESCALATION_JOB_INTERVAL_MS,
  run: async ({ now, signal }) => {
    const sweep = await sweepEscalations(getDb(), now, signal);
    return { ...sweep };
  },
});
