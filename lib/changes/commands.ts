/**
 * Change control's audited commands: propose (each kind's own command calls
 * `proposeChange`), approve, reject, cancel and roll back. One mechanism for
 * every kind; the kind's applier (lib/changes/registry.ts) does the writes.
 *
 * The rules, each enforced here rather than in a page:
 * - Four eyes: the proposer never approves or rejects their own change (a
 *   change proposed with an API key counts as proposed by the key's creator),
 *   and a change needs `requiredApprovals` approvals from distinct people.
 *   API keys cannot approve: protection holds whatever a key's scopes.
 * - Approval re-checks that the target is still in the `before` state; if not,
 *   the change is marked superseded (committed) and the approver is told why.
 * - Rollback needs no approval: it restores `before` at once as a new applied
 *   change linked to the original (`rollbackOfId`, unique: one rollback per
 *   change), and can itself be rolled back.
 * - Exactly one of two concurrent conflicting actions wins. Every command
 *   locks the target first (through its applier), then the change row, so
 *   they take turns in one order and never deadlock; at most one proposed
 *   change waits per target (a partial unique index backs the check).
 */
import type { Actor } from "@/lib/audit";
import { defineCommand, execute, type AuditRecord, type Outcome } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import type { ChangeKindName, ChangeStatusName } from "@/lib/enums";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { emitEvent, mrkdwn } from "@/lib/webhooks/events";
import { applierFor, sameState, type Applier, type ChangeState } from "./registry";

export interface ChangeSummary {
  id: string;
  kind: ChangeKindName;
  targetType: string;
  targetId: string;
  title: string;
  status: ChangeStatusName;
  before: ChangeState;
  after: ChangeState;
  proposedBy: string;
  requiredApprovals: number;
}

const STATUS_WORDS: Record<ChangeStatusName, string> = {
  PENDING: "waiting for approval",
  APPLIED: "applied",
  REJECTED: "rejected",
  ROLLED_BACK: "rolled back",
  CANCELLED: "cancelled",
  SUPERSEDED: "superseded",
};

export const changeStatusWords = (status: ChangeStatusName) => STATUS_WORDS[status];

function dbJson(state: ChangeState): Prisma.InputJsonValue | typeof Prisma.JsonNull {
  return state === null ? Prisma.JsonNull : (state as Prisma.InputJsonValue);
}

function asState(value: unknown): ChangeState {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

const changeLink = (id: string) => ({ url: `/changes/${id}`, label: "Open the change" });

/** The person responsible for an actor's proposals: the user, or the creator of the API key. */
async function responsibleUserId(tx: Tx, actor: Actor): Promise<string | null> {
  if (actor.type === "USER") return actor.id;
  if (actor.type === "API_KEY") {
    const key = await tx.apiKey.findUnique({ where: { id: actor.id }, select: { createdById: true } });
    return key?.createdById ?? null;
  }
  return null;
}

const proposerName = (actor: Actor) => (actor.type === "API_KEY" ? `${actor.label} (API key)` : actor.label);

type ChangeRow = Awaited<ReturnType<typeof lockChange>>;

async function lockChange(tx: Tx, id: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Change" WHERE "id" = ${id} FOR UPDATE`;
  if (rows.length === 0) throw new AppError("not_found:change", "There is no such change.");
  const change = await tx.change.findUniqueOrThrow({ where: { id }, include: { approvals: { select: { userId: true, verdict: true } }, rolledBackBy: { select: { id: true } } } });
  return change;
}

/** Reads the change's target without a lock, locks the target, then locks the change: the one lock order. */
async function lockTargetThenChange(tx: Tx, id: string): Promise<{ change: ChangeRow; applier: Applier; current: ChangeState }> {
  const peek = await tx.change.findUnique({ where: { id }, select: { kind: true, targetId: true } });
  if (!peek) throw new AppError("not_found:change", "There is no such change.");
  const applier = applierFor(peek.kind);
  const current = await applier.lockState(tx, peek.targetId);
  const change = await lockChange(tx, id);
  return { change, applier, current };
}

function summary(change: { id: string; kind: ChangeKindName; targetType: string; targetId: string; title: string; status: ChangeStatusName; before: unknown; after: unknown; proposedByName: string; requiredApprovals: number }): ChangeSummary {
  return {
    id: change.id,
    kind: change.kind,
    targetType: change.targetType,
    targetId: change.targetId,
    title: change.title,
    status: change.status,
    before: asState(change.before),
    after: asState(change.after),
    proposedBy: change.proposedByName,
    requiredApprovals: change.requiredApprovals,
  };
}

/**
 * Pending changes of a target that no longer start from its state are
 * superseded (after a rollback or a direct move). Returns their ids.
 */
async function supersedeStale(tx: Tx, applier: Applier, targetId: string, state: ChangeState, exceptId: string | null): Promise<string[]> {
  const pending = await tx.change.findMany({
    where: { targetType: applier.targetType, targetId, status: "PENDING", ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true, before: true },
  });
  const stale = pending.filter((p) => !sameState(asState(p.before), state)).map((p) => p.id);
  if (stale.length) await tx.change.updateMany({ where: { id: { in: stale } }, data: { status: "SUPERSEDED", closedAt: new Date() } });
  return stale;
}

interface NewChangeRow {
  kind: ChangeKindName;
  targetType: string;
  targetId: string;
  title: string;
  reason: string;
  before: ChangeState;
  after: ChangeState;
  status: "PENDING" | "APPLIED";
  requiredApprovals: number;
  rollbackOfId?: string;
}

/** Inserts a change; a unique violation (the one-pending-per-target index, or one rollback per change) becomes `conflict`. */
async function insertChange(tx: Tx, actor: Actor, row: NewChangeRow, conflict: AppError) {
  try {
    return await tx.change.create({
      data: {
        ...row,
        before: dbJson(row.before),
        after: dbJson(row.after) as Prisma.InputJsonValue,
        appliedAt: row.status === "APPLIED" ? new Date() : null,
        proposedById: await responsibleUserId(tx, actor),
        proposedByName: proposerName(actor),
      },
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw conflict;
    throw error;
  }
}

export interface ProposeInput {
  targetId: string;
  after: ChangeState;
  reason: string;
  /** Defaults to the applier's summary. */
  title?: string;
  requiredApprovals?: number;
}

export interface ProposeResult {
  change: ChangeSummary;
  /** true: the target was not protected and the change is applied; false: it waits for approval. */
  applied: boolean;
}

/**
 * The proposal step of every kind's command (not a command itself: the
 * kind's command owns the scope and the audit event). Locks the target,
 * refuses a no-op, then applies at once (unprotected target) or records a
 * pending change (protected).
 */
export async function proposeChange(tx: Tx, actor: Actor, applier: Applier, input: ProposeInput): Promise<{ result: ProposeResult; audit: AuditRecord }> {
  const before = await applier.lockState(tx, input.targetId);
  const target = applier.describeTarget(input.targetId);
  if (sameState(before, input.after)) {
    throw new AppError("conflict:change_no_op", `${target} is already in that state; there is nothing to change.`);
  }
  const isProtected = await applier.isProtected(tx, input.targetId, { before, after: input.after });
  // A move that needs no approval (e.g. lowering a budget) applies even while a change waits:
  // that change then finds its target moved and is superseded when someone approves it.
  const waiting = isProtected
    ? await tx.change.findFirst({ where: { targetType: applier.targetType, targetId: input.targetId, status: "PENDING" }, select: { id: true, title: true } })
    : null;
  if (waiting) {
    throw new AppError(
      "conflict:change_pending",
      `A change to ${target} is already waiting for approval (“${waiting.title}”). Approve, reject or cancel it first.`,
      { changeId: waiting.id },
    );
  }
  const title = input.title ?? `${target}: ${applier.summarize(before, input.after)}`;
  const row = await insertChange(
    tx,
    actor,
    {
      kind: applier.kind,
      targetType: applier.targetType,
      targetId: input.targetId,
      title,
      reason: input.reason,
      before,
      after: input.after,
      status: isProtected ? "PENDING" : "APPLIED",
      requiredApprovals: Math.max(1, input.requiredApprovals ?? 1),
    },
    new AppError("conflict:change_pending", `Another change to ${target} was proposed at the same moment and is waiting for approval.`),
  );
  const change = summary(row);
  if (!isProtected) {
    await applier.write(tx, input.targetId, input.after, { changeId: row.id, actor, from: before });
    await emitEvent(tx, {
      type: "change.applied",
      data: { change: eventData(change), approvals: 0, protected: false },
      text: mrkdwn`*${title}* applied by ${change.proposedBy} (not protected, no approval needed).`,
      link: changeLink(row.id),
    });
  } else {
    await emitEvent(tx, {
      type: "change.proposed",
      data: { change: eventData(change), reason: input.reason },
      text: mrkdwn`*${title}* proposed by ${change.proposedBy}, waiting for approval: ${input.reason}`,
      link: changeLink(row.id),
    });
  }
  return {
    result: { change, applied: !isProtected },
    audit: {
      action: isProtected ? "change.propose" : "change.apply",
      targetType: "change",
      targetId: row.id,
      before,
      after: input.after,
      metadata: { kind: applier.kind, target: input.targetId, reason: input.reason, protected: isProtected },
    },
  };
}

function eventData(change: ChangeSummary) {
  return { id: change.id, kind: change.kind, target: change.targetId, title: change.title, status: change.status, before: change.before, after: change.after, proposedBy: change.proposedBy };
}

function requirePending(change: ChangeRow, verb: string): void {
  if (change.status === "PENDING") return;
  throw new AppError("conflict:change_closed", `This change is already ${STATUS_WORDS[change.status]}; it cannot be ${verb}.`, { status: change.status });
}

function requireNotProposer(change: ChangeRow, actor: Actor, verb: string): void {
  if (actor.type !== "USER") throw new AppError("forbidden:change_decision", "Only a person can decide a change.");
  if (change.proposedById === actor.id) {
    throw new AppError("forbidden:four_eyes", `You proposed this change, so someone else must ${verb} it (four eyes).`);
  }
}

export interface DecideInput {
  changeId: string;
  comment: string;
}

export type DecisionOutcome = "applied" | "approved" | "rejected" | "superseded";

export interface DecisionResult {
  change: ChangeSummary;
  outcome: DecisionOutcome;
  /** For `approved`: approvals so far and needed. For `superseded`: why. */
  message: string;
}

/** Approves a pending change; applies it when it has its approvals and the target is still where the proposer saw it. */
export const approveChangeCommand = defineCommand("change.approve", { user: "changes:approve" }, async (tx, actor, input: DecideInput): Promise<Outcome<DecisionResult>> => {
  const { change, applier, current } = await lockTargetThenChange(tx, input.changeId);
  requirePending(change, "approved");
  requireNotProposer(change, actor, "approve");
  if (change.approvals.some((a) => a.userId === actor.id)) {
    throw new AppError("conflict:change_already_approved", "You have already approved this change; it needs another person's approval.");
  }
  const target = applier.describeTarget(change.targetId);
  if (!sameState(current, asState(change.before))) {
    const closed = await tx.change.update({ where: { id: change.id }, data: { status: "SUPERSEDED", closedAt: new Date() } });
    const message = `${target} has changed since this was proposed (it is now ${applier.summarize(null, current)}, the change expected ${applier.summarize(null, asState(change.before))}). The change is marked superseded; propose it again from the current state.`;
    return {
      result: { change: summary(closed), outcome: "superseded" as const, message },
      audit: { action: "change.supersede" as const, targetType: "change", targetId: change.id, before: { status: "PENDING" }, after: { status: "SUPERSEDED" }, metadata: { current, expected: change.before, by: "approval" } },
    };
  }
  await tx.changeApproval.create({ data: { changeId: change.id, userId: actor.id as string, verdict: "APPROVE", comment: input.comment } });
  const approvals = change.approvals.filter((a) => a.verdict === "APPROVE").length + 1;
  if (approvals < change.requiredApprovals) {
    return {
      result: { change: summary(change), outcome: "approved" as const, message: `Approved (${approvals} of ${change.requiredApprovals}); it needs another person's approval before it applies.` },
      audit: { targetType: "change", targetId: change.id, before: { status: "PENDING" }, after: { status: "PENDING", approvals }, metadata: { comment: input.comment } },
    };
  }
  const after = asState(change.after);
  await applier.write(tx, change.targetId, after, { changeId: change.id, actor, from: current });
  const applied = await tx.change.update({ where: { id: change.id }, data: { status: "APPLIED", appliedAt: new Date() } });
  const done = summary(applied);
  await emitEvent(tx, {
    type: "change.applied",
    data: { change: eventData(done), approvals, approvedBy: actor.label, comment: input.comment, protected: true },
    text: mrkdwn`*${change.title}* approved by ${actor.label} and applied: ${input.comment}`,
    link: changeLink(change.id),
  });
  return {
    result: { change: done, outcome: "applied" as const, message: `Approved and applied: ${change.title}.` },
    audit: { targetType: "change", targetId: change.id, before: { status: "PENDING", state: change.before }, after: { status: "APPLIED", state: after }, metadata: { comment: input.comment, approvals } },
  };
});

/** Rejects a pending change with a comment. */
export const rejectChangeCommand = defineCommand("change.reject", { user: "changes:approve" }, async (tx, actor, input: DecideInput): Promise<Outcome<DecisionResult>> => {
  const { change } = await lockTargetThenChange(tx, input.changeId);
  requirePending(change, "rejected");
  requireNotProposer(change, actor, "reject");
  await tx.changeApproval.upsert({
    where: { changeId_userId: { changeId: change.id, userId: actor.id as string } },
    create: { changeId: change.id, userId: actor.id as string, verdict: "REJECT", comment: input.comment },
    update: { verdict: "REJECT", comment: input.comment, createdAt: new Date() },
  });
  const closed = await tx.change.update({ where: { id: change.id }, data: { status: "REJECTED", closedAt: new Date() } });
  const done = summary(closed);
  await emitEvent(tx, {
    type: "change.rejected",
    data: { change: eventData(done), rejectedBy: actor.label, comment: input.comment },
    text: mrkdwn`*${change.title}* rejected by ${actor.label}: ${input.comment}`,
    link: changeLink(change.id),
  });
  return {
    result: { change: done, outcome: "rejected" as const, message: `Rejected: ${change.title}.` },
    audit: { targetType: "change", targetId: change.id, before: { status: "PENDING" }, after: { status: "REJECTED" }, metadata: { comment: input.comment } },
  };
});

/** The proposer (or an admin) withdraws a pending change. */
export const cancelChangeCommand = defineCommand("change.cancel", { user: null }, async (tx, actor, input: { changeId: string; comment?: string }) => {
  const { change } = await lockTargetThenChange(tx, input.changeId);
  requirePending(change, "cancelled");
  const isAdmin = actor.type === "USER" && (await tx.user.findUnique({ where: { id: actor.id }, select: { role: true } }))?.role === "ADMIN";
  if (actor.type !== "USER" || (change.proposedById !== actor.id && !isAdmin)) {
    throw new AppError("forbidden:change_cancel", "Only the person who proposed this change (or an admin) can cancel it.");
  }
  const closed = await tx.change.update({ where: { id: change.id }, data: { status: "CANCELLED", closedAt: new Date() } });
  return {
    result: summary(closed),
    audit: { targetType: "change", targetId: change.id, before: { status: "PENDING" }, after: { status: "CANCELLED" }, metadata: { comment: input.comment ?? null } },
  };
});

export interface RollbackInput {
  changeId: string;
  reason: string;
}

/** Restores an applied change's `before` at once, as a new applied change linked to it. */
export const rollbackChangeCommand = defineCommand("change.rollback", { user: "changes:rollback" }, async (tx, actor, input: RollbackInput) => {
  const { change, applier, current } = await lockTargetThenChange(tx, input.changeId);
  if (change.status !== "APPLIED") {
    throw new AppError("conflict:change_not_applied", `Only an applied change can be rolled back; this one is ${STATUS_WORDS[change.status]}.`, { status: change.status });
  }
  if (change.rolledBackBy) throw new AppError("conflict:change_rolled_back", "This change has already been rolled back.");
  const target = applier.describeTarget(change.targetId);
  const after = asState(change.after);
  const before = asState(change.before);
  if (!sameState(current, after)) {
    throw new AppError(
      "conflict:change_not_current",
      `${target} has changed since this change was applied (it is now ${applier.summarize(null, current)}); roll back the latest change of ${target} instead.`,
    );
  }
  const rollback = await insertChange(
    tx,
    actor,
    {
      kind: change.kind,
      targetType: change.targetType,
      targetId: change.targetId,
      title: `Roll back: ${change.title}`,
      reason: input.reason,
      before: after,
      after: before,
      status: "APPLIED",
      requiredApprovals: 0,
      rollbackOfId: change.id,
    },
    new AppError("conflict:change_rolled_back", "This change has just been rolled back by someone else."),
  );
  const now = rollback.appliedAt ?? new Date();
  await tx.change.update({ where: { id: change.id }, data: { status: "ROLLED_BACK", rolledBackAt: now } });
  await applier.write(tx, change.targetId, before, { changeId: rollback.id, actor, from: current });
  const superseded = await supersedeStale(tx, applier, change.targetId, before, null);
  const done = summary(rollback);
  await emitEvent(tx, {
    type: "change.rolled_back",
    data: { change: eventData(summary({ ...change, status: "ROLLED_BACK" })), rollback: eventData(done), rolledBackBy: actor.label, reason: input.reason, superseded },
    text: mrkdwn`*${change.title}* rolled back by ${actor.label}: ${input.reason}`,
    link: changeLink(rollback.id),
  });
  return {
    result: { change: done, rolledBack: change.id, superseded },
    audit: {
      targetType: "change",
      targetId: rollback.id,
      before: after,
      after: before,
      metadata: { rollbackOf: change.id, reason: input.reason, kind: change.kind, target: change.targetId, superseded },
    },
  };
});

/** Deciding and rolling back wait for others acting on the same target. */
const OPTIONS = { maxWait: 10_000, timeout: 15_000 };

export const approveChange = (actor: Actor, input: DecideInput) => execute(approveChangeCommand, actor, input, OPTIONS);
export const rejectChange = (actor: Actor, input: DecideInput) => execute(rejectChangeCommand, actor, input, OPTIONS);
export const cancelChange = (actor: Actor, input: { changeId: string; comment?: string }) => execute(cancelChangeCommand, actor, input, OPTIONS);
export const rollbackChange = (actor: Actor, input: RollbackInput) => execute(rollbackChangeCommand, actor, input, OPTIONS);
export { OPTIONS as CHANGE_TX_OPTIONS };
