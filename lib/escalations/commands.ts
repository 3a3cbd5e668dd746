/**
 * People's commands on escalations: decide (approve, approve with changed
 * arguments, reject), claim and release, and the requester's cancel. The
 * clearance request is request.ts; the deadline job's writes deadlines.ts.
 *
 * The rules, enforced here whatever the entry point (console action, API
 * decision on behalf of a named user):
 * - The decider is an active user whose role decides escalations and is the
 *   policy's decider role (or admin); never the requester (the creator of the
 *   key that asked); one decision per person (four eyes).
 * - Exactly one of two concurrent decisions applies: every command locks the
 *   run (if any) and then the escalation row, always in that order (ingestion
 *   locks runs first too), re-reads it and refuses what no longer holds with
 *   `conflict:escalation_decided`.
 * - A policy asking for two approvals needs two people approving the same
 *   arguments: an approval with changed arguments restarts the count on them.
 *   One rejection closes it.
 * - Someone else's unexpired claim keeps others from deciding; deciding or
 *   releasing ends one's own claim; claims lapse after CLAIM_MINUTES.
 * Each command writes its audit event, notifies waiting agents and live queues
 * through the hub, and queues `escalation.decided` for webhooks, in its
 * transaction.
 */
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { hasScope, isRole, keyHasScope } from "@/lib/rbac";
import { emitEvent, mrkdwn } from "@/lib/webhooks/events";
import { notifyEscalation } from "./channel";
import { argumentsHash } from "./hash";
import { candidateOf, ESCALATION_JSON_SELECT, escalationJson, eventData, type EscalationJsonRow } from "./json";
import { CLAIM_MINUTES, type EscalationJson } from "./schemas";

const LOCK_SELECT = {
  ...ESCALATION_JSON_SELECT,
  runId: true,
  deciderRole: true,
  requestedById: true,
  requestedByKeyId: true,
  claimedById: true,
  claimExpiresAt: true,
  claimedBy: { select: { email: true } },
} as const satisfies Prisma.EscalationSelect;
type LockedRow = Prisma.EscalationGetPayload<{ select: typeof LOCK_SELECT }>;

const STATUS_WORDS: Record<string, string> = { APPROVED: "approved", REJECTED: "rejected", EXPIRED: "expired", CANCELLED: "cancelled", CLEARED: "cleared" };

/** Locks the escalation's run (if any), then the escalation: the one lock order. */
export async function lockEscalation(tx: Tx, id: string): Promise<LockedRow> {
  const peek = await tx.escalation.findUnique({ where: { id }, select: { runId: true } });
  if (!peek) throw new AppError("not_found:escalation", "There is no such escalation.");
  if (peek.runId) await tx.$queryRaw`SELECT "id" FROM "Run" WHERE "id" = ${peek.runId} FOR UPDATE`;
  await tx.$queryRaw`SELECT "id" FROM "Escalation" WHERE "id" = ${id} FOR UPDATE`;
  return tx.escalation.findUniqueOrThrow({ where: { id }, select: LOCK_SELECT });
}

export function requirePending(row: Pick<LockedRow, "status" | "decidedAt" | "decisions" | "closedReason">): void {
  if (row.status === "PENDING") return;
  const last = row.decisions[row.decisions.length - 1];
  const by = last && row.status !== "EXPIRED" && row.status !== "CANCELLED" ? ` by ${last.decidedByEmail}` : "";
  const when = row.decidedAt ? ` at ${row.decidedAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
  throw new AppError("conflict:escalation_decided", `This escalation was already ${STATUS_WORDS[row.status] ?? row.status.toLowerCase()}${by}${when}.`, { status: row.status.toLowerCase() });
}

/** A run waiting only on this escalation goes back to running once it is closed. */
export async function resumeRun(tx: Tx, runId: string | null): Promise<void> {
  if (!runId) return;
  await tx.$executeRaw`UPDATE "Run" SET "status" = 'RUNNING' WHERE "id" = ${runId} AND "status" = 'ESCALATED'
    AND NOT EXISTS (SELECT 1 FROM "Escalation" e WHERE e."runId" = ${runId} AND e."status" = 'PENDING')`;
}

interface Decider {
  id: string;
  email: string;
  via: string;
}

/** The person deciding: the signed-in user, or the user an integration names; checked against the policy. */
async function deciderOf(tx: Tx, actor: Actor, row: LockedRow, decidedBy: string | undefined): Promise<Decider> {
  let user: { id: string; email: string; role: string; disabled: boolean } | null = null;
  let via = "console";
  if (actor.type === "USER") {
    user = await tx.user.findUnique({ where: { id: actor.id }, select: { id: true, email: true, role: true, disabled: true } });
  } else if (actor.type === "API_KEY") {
    if (!decidedBy) throw new AppError("bad_request:decided_by", "decidedBy names the user this decision is made for.");
    user = await tx.user.findUnique({ where: { email: decidedBy }, select: { id: true, email: true, role: true, disabled: true } });
    if (!user || user.disabled) throw new AppError("bad_request:decided_by", `decidedBy (${decidedBy}) is not an active user.`);
    via = `api:${actor.label}`;
  } else {
    throw new AppError("forbidden:escalation_decider", "Only a person decides an escalation (the deadline job applies the policy instead).");
  }
  if (!user || user.disabled || !isRole(user.role)) throw new AppError("unauthorized:session", "Your session has ended. Sign in again.");
  if (!hasScope(user.role, "escalations:decide") || (user.role !== row.deciderRole && user.role !== "ADMIN")) {
    throw new AppError("forbidden:escalation_decider", `${user.email} (${user.role}) may not decide this escalation: its policy wants a decision by ${row.deciderRole.toLowerCase()}.`);
  }
  if (row.requestedById !== null && row.requestedById === user.id) {
    throw new AppError("forbidden:four_eyes", `${user.email} is responsible for the key that asked for this clearance, so someone else must decide it (four eyes).`);
  }
  if (row.decisions.some((d) => d.decidedByEmail === user.email)) {
    throw new AppError("conflict:escalation_already_decided_by_you", `${user.email} has already approved this escalation; it needs another person's approval.`);
  }
  return { id: user.id, email: user.email, via };
}

function requireNotClaimedByOther(row: LockedRow, deciderId: string, now: Date): void {
  if (row.claimedById && row.claimedById !== deciderId && row.claimExpiresAt && row.claimExpiresAt > now) {
    throw new AppError(
      "conflict:escalation_claimed",
      `${row.claimedBy?.email ?? "Someone"} is working on this escalation until ${row.claimExpiresAt.toISOString().slice(11, 16)} UTC; wait for them or for the claim to lapse.`,
      { claimedBy: row.claimedBy?.email ?? null, claimExpiresAt: row.claimExpiresAt.toISOString() },
    );
  }
}

export interface DecideInput {
  escalationId: string;
  verdict: "approve" | "reject";
  comment?: string;
  /** Approve with these arguments instead (a lower amount, another account). */
  arguments?: Record<string, unknown>;
  /** The user an integration decides for (API keys only). */
  decidedBy?: string;
}

export interface DecideResult {
  escalation: EscalationJson;
  /** `approved` / `rejected`: final; `approval_recorded`: it needs another person's approval. */
  outcome: "approved" | "rejected" | "approval_recorded";
  message: string;
}

const approvalsFor = (row: EscalationJsonRow, hash: string) => row.decisions.filter((d) => d.verdict === "APPROVE" && d.argumentsHash === hash).length;

export const decideEscalationCommand = defineCommand(
  "escalation.approve",
  { user: "escalations:decide", key: "escalations:decide" },
  async (tx, actor, input: DecideInput) => {
    const now = new Date();
    const row = await lockEscalation(tx, input.escalationId);
    requirePending(row);
    const decider = await deciderOf(tx, actor, row, input.decidedBy);
    requireNotClaimedByOther(row, decider.id, now);
    const comment = input.comment?.trim() || null;
    const before = { status: row.status, arguments: row.arguments, approvals: approvalsFor(row, candidateOf(row).hash) };

    if (input.verdict === "reject") {
      await tx.escalationDecision.create({ data: { escalationId: row.id, verdict: "REJECT", comment, decidedById: decider.id, decidedByEmail: decider.email, via: decider.via, decidedAt: now } });
      await tx.escalation.update({
        where: { id: row.id },
        data: { status: "REJECTED", decidedAt: now, closedReason: `Rejected by ${decider.email}.`, claimedById: null, claimedAt: null, claimExpiresAt: null },
      });
      return finish(tx, row, decider, { action: "escalation.reject" as const, before, comment, now, outcome: "rejected" });
    }

    const candidate = input.arguments !== undefined ? { arguments: input.arguments, hash: argumentsHash(input.arguments) } : candidateOf(row);
    await tx.escalationDecision.create({
      data: {
        escalationId: row.id,
        verdict: "APPROVE",
        comment,
        decidedById: decider.id,
        decidedByEmail: decider.email,
        arguments: candidate.arguments as Prisma.InputJsonValue,
        argumentsHash: candidate.hash,
        via: decider.via,
        decidedAt: now,
      },
    });
    const approvals = approvalsFor(row, candidate.hash) + 1;
    if (approvals < row.requiredApprovals) {
      await tx.escalation.update({ where: { id: row.id }, data: { claimedById: null, claimedAt: null, claimExpiresAt: null } });
      return finish(tx, row, decider, { action: "escalation.approve" as const, before, comment, now, outcome: "approval_recorded", approvals, changed: candidate.hash !== row.argumentsHash });
    }
    await tx.escalation.update({
      where: { id: row.id },
      data: {
        status: "APPROVED",
        decidedAt: now,
        approvedArguments: candidate.arguments as Prisma.InputJsonValue,
        approvedArgumentsHash: candidate.hash,
        closedReason: `Approved by ${decider.email}.`,
        claimedById: null,
        claimedAt: null,
        claimExpiresAt: null,
      },
    });
    return finish(tx, row, decider, { action: "escalation.approve" as const, before, comment, now, outcome: "approved", approvals, changed: candidate.hash !== row.argumentsHash });
  },
);

async function finish(
  tx: Tx,
  row: LockedRow,
  decider: Decider,
  step: { action: "escalation.approve" | "escalation.reject"; before: unknown; comment: string | null; now: Date; outcome: DecideResult["outcome"]; approvals?: number; changed?: boolean },
) {
  const after = await tx.escalation.findUniqueOrThrow({ where: { id: row.id }, select: ESCALATION_JSON_SELECT });
  const json = escalationJson(after);
  const final = step.outcome !== "approval_recorded";
  if (final) {
    await resumeRun(tx, row.runId);
    const how = step.outcome === "approved" ? (step.changed ? "approved with changed arguments" : "approved") : "rejected";
    await emitEvent(tx, {
      type: "escalation.decided",
      data: { escalation: eventData(json), verdict: step.outcome === "approved" ? "approve" : "reject", decidedBy: decider.email, comment: step.comment, via: decider.via },
      text: mrkdwn`*${row.tool}* for *${row.agentName}* ${how} by ${decider.email}` + (step.comment ? mrkdwn`: “${step.comment}”` : ""),
      link: { url: `/escalations/${row.id}`, label: "Open the escalation" },
      occurredAt: step.now,
    });
  }
  await notifyEscalation(tx, row.id, final ? "decided" : "approval", json.status);
  const message =
    step.outcome === "approval_recorded"
      ? `Approval recorded (${step.approvals} of ${row.requiredApprovals}); it needs another person's approval${step.changed ? " of these arguments" : ""}.`
      : step.outcome === "approved"
        ? `Approved${step.changed ? " with changed arguments" : ""}; the agent may act now.`
        : "Rejected; the agent will not act.";
  return {
    result: { escalation: json, outcome: step.outcome, message },
    audit: {
      action: step.action,
      targetType: "escalation",
      targetId: row.id,
      before: step.before,
      after: { status: after.status, approvedArguments: after.approvedArguments, approvals: json.approvals },
      metadata: { decidedBy: decider.email, via: decider.via, comment: step.comment, argumentsChanged: step.changed ?? false, final },
    },
  };
}

export interface ClaimResult {
  claimedBy: string | null;
  claimExpiresAt: string | null;
}

/** Claims a pending escalation for CLAIM_MINUTES: one conditional UPDATE, so of two people claiming at once one wins. */
export const claimEscalationCommand = defineCommand("escalation.claim", { user: "escalations:decide" }, async (tx, actor, input: { escalationId: string }) => {
  if (actor.type !== "USER") throw new AppError("forbidden:escalation_claim", "Only a person claims an escalation.");
  const now = new Date();
  const until = new Date(now.getTime() + CLAIM_MINUTES * 60_000);
  // Times as ISO text cast to timestamp: UTC whatever the session's time zone.
  const [at, end] = [now.toISOString(), until.toISOString()];
  const won = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "Escalation" SET "claimedById" = ${actor.id}, "claimedAt" = ${at}::timestamp(3), "claimExpiresAt" = ${end}::timestamp(3), "updatedAt" = ${at}::timestamp(3)
    WHERE "id" = ${input.escalationId} AND "status" = 'PENDING'
      AND ("claimedById" IS NULL OR "claimedById" = ${actor.id} OR "claimExpiresAt" <= ${at}::timestamp(3))
    RETURNING "id"`;
  if (won.length === 0) {
    const row = await tx.escalation.findUnique({ where: { id: input.escalationId }, select: { ...LOCK_SELECT } });
    if (!row) throw new AppError("not_found:escalation", "There is no such escalation.");
    requirePending(row);
    throw new AppError("conflict:escalation_claimed", `${row.claimedBy?.email ?? "Someone else"} claimed it first (until ${row.claimExpiresAt?.toISOString().slice(11, 16)} UTC).`, {
      claimedBy: row.claimedBy?.email ?? null,
    });
  }
  await notifyEscalation(tx, input.escalationId, "claimed", "PENDING");
  return {
    result: { claimedBy: actor.label, claimExpiresAt: until.toISOString() },
    audit: { targetType: "escalation", targetId: input.escalationId, after: { claimedBy: actor.label, claimExpiresAt: until.toISOString() } },
  };
});

/** Gives one's claim back. */
export const releaseEscalationCommand = defineCommand("escalation.release", { user: "escalations:decide" }, async (tx, actor, input: { escalationId: string }) => {
  if (actor.type !== "USER") throw new AppError("forbidden:escalation_claim", "Only a person releases a claim.");
  const released = await tx.$executeRaw`
    UPDATE "Escalation" SET "claimedById" = NULL, "claimedAt" = NULL, "claimExpiresAt" = NULL, "updatedAt" = (now() AT TIME ZONE 'UTC')
    WHERE "id" = ${input.escalationId} AND "claimedById" = ${actor.id}`;
  if (released === 0) return { result: { released: false }, audit: null };
  await notifyEscalation(tx, input.escalationId, "released", "PENDING");
  return { result: { released: true }, audit: { targetType: "escalation", targetId: input.escalationId, before: { claimedBy: actor.label }, after: { claimedBy: null } } };
});

/** The requesting key (or an admin key) withdraws a pending request: the waiting agent hears "cancelled". */
export const cancelEscalationCommand = defineCommand("escalation.cancel", { user: "admin", key: "escalations:request" }, async (tx, actor, input: { escalationId: string; scopes?: string[] }) => {
  const row = await lockEscalation(tx, input.escalationId);
  if (actor.type === "API_KEY" && row.requestedByKeyId !== actor.id && !keyHasScope(input.scopes ?? [], "admin")) {
    // Another key's request: as if it did not exist.
    throw new AppError("not_found:escalation", "There is no such escalation.");
  }
  requirePending(row);
  const now = new Date();
  await tx.escalation.update({
    where: { id: row.id },
    data: { status: "CANCELLED", decidedAt: now, closedReason: `Cancelled by ${actor.label}.`, claimedById: null, claimedAt: null, claimExpiresAt: null },
  });
  await resumeRun(tx, row.runId);
  await notifyEscalation(tx, row.id, "cancelled", "CANCELLED");
  const json = escalationJson(await tx.escalation.findUniqueOrThrow({ where: { id: row.id }, select: ESCALATION_JSON_SELECT }));
  return { result: json, audit: { targetType: "escalation", targetId: row.id, before: { status: "PENDING" }, after: { status: "CANCELLED" } } };
});

/** Deciding waits for others acting on the same escalation (and its run) rather than failing. */
const OPTIONS = { maxWait: 10_000, timeout: 15_000 };

export const decideEscalation = (actor: Actor, input: DecideInput) => execute(decideEscalationCommand, actor, input, OPTIONS);
export const claimEscalation = (actor: Actor, input: { escalationId: string }) => execute(claimEscalationCommand, actor, input, OPTIONS);
export const releaseEscalation = (actor: Actor, input: { escalationId: string }) => execute(releaseEscalationCommand, actor, input, OPTIONS);
export const cancelEscalation = (actor: Actor, input: { escalationId: string; scopes?: string[] }) => execute(cancelEscalationCommand, actor, input, OPTIONS);
