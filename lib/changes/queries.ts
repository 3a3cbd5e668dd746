/**
 * Reads of change control for the Changes pages: the changes waiting for the
 * current user, the filterable list of all changes, and one change with its
 * diff (per kind), its approvals, its rollback links and its audit trail.
 */
import "server-only";
import "./appliers";
import { z } from "zod";
import { db } from "@/lib/db";
import { CHANGE_KINDS, CHANGE_STATUSES, type ChangeKindName, type ChangeStatusName } from "@/lib/enums";
import { decodeCursor, encodeCursor } from "@/lib/ids";
import { diffConfig, type ConfigChange } from "@/lib/prompts/diff";
import { parseLabelTarget } from "@/lib/prompts/labels";
import { diffPromptVersions, type PromptVersionDiff } from "@/lib/prompts/queries";
import { hasScope, type Role } from "@/lib/rbac";
import { firstValue, ignoredParams, queryText, type IgnoredQueryParam, type PageSearchParams } from "@/lib/security/page-query";
import type { Prisma } from "@/lib/generated/prisma/client";
import { applierFor, type ChangeState } from "./registry";

export const CHANGE_PAGE_SIZE = 30;

export const KIND_LABELS: Record<ChangeKindName, string> = {
  PROMPT_LABEL: "Prompt label",
  AGENT_CONFIG: "Agent configuration",
  POLICY: "Policy",
  BUDGET: "Budget",
};

const changeFilterFields = {
  status: z.enum(CHANGE_STATUSES, { message: "Choose a listed status." }).optional(),
  kind: z.enum(CHANGE_KINDS, { message: "Choose a listed kind." }).optional(),
  target: queryText(200),
  person: queryText(200),
  cursor: z.string().max(200).refine((c) => decodeCursor(c) !== null, "Not a page of this list.").optional(),
};

/** Lenient: a malformed value is dropped (changeFilterReport says which). */
export const changeFilterSchema = z.object({
  status: changeFilterFields.status.catch(undefined),
  kind: changeFilterFields.kind.catch(undefined),
  target: changeFilterFields.target.catch(undefined),
  person: changeFilterFields.person.catch(undefined),
  cursor: changeFilterFields.cursor.catch(undefined),
});
export type ChangeFilter = z.output<typeof changeFilterSchema>;

export function changeFilterReport(params: PageSearchParams): { filter: ChangeFilter; ignored: IgnoredQueryParam[] } {
  const input = Object.fromEntries(Object.keys(changeFilterFields).map((key) => [key, firstValue(params[key])]));
  return { filter: changeFilterSchema.parse(input), ignored: ignoredParams(changeFilterFields, input) };
}

export interface ChangeListItem {
  id: string;
  kind: ChangeKindName;
  targetType: string;
  targetId: string;
  target: string;
  title: string;
  status: ChangeStatusName;
  reason: string | null;
  proposedBy: string;
  proposedAt: Date;
  appliedAt: Date | null;
  approvals: number;
  requiredApprovals: number;
  rollbackOfId: string | null;
}

const LIST_SELECT = {
  id: true,
  kind: true,
  targetType: true,
  targetId: true,
  title: true,
  status: true,
  reason: true,
  proposedByName: true,
  proposedAt: true,
  appliedAt: true,
  requiredApprovals: true,
  rollbackOfId: true,
  approvals: { where: { verdict: "APPROVE" }, select: { userId: true } },
} as const satisfies Prisma.ChangeSelect;

type ListRow = Prisma.ChangeGetPayload<{ select: typeof LIST_SELECT }>;

function targetName(kind: string, targetId: string): string {
  try {
    return applierFor(kind).describeTarget(targetId);
  } catch {
    return targetId;
  }
}

function listItem(r: ListRow): ChangeListItem {
  return {
    id: r.id,
    kind: r.kind,
    targetType: r.targetType,
    targetId: r.targetId,
    target: targetName(r.kind, r.targetId),
    title: r.title,
    status: r.status,
    reason: r.reason,
    proposedBy: r.proposedByName,
    proposedAt: r.proposedAt,
    appliedAt: r.appliedAt,
    approvals: r.approvals.length,
    requiredApprovals: r.requiredApprovals,
    rollbackOfId: r.rollbackOfId,
  };
}

/** Pending changes the user may decide: they can approve, did not propose it, and have not approved it yet. Oldest first. */
export async function changesAwaiting(user: { id: string; role: Role }): Promise<ChangeListItem[]> {
  if (!hasScope(user.role, "changes:approve")) return [];
  const rows = await db.change.findMany({
    where: { status: "PENDING", OR: [{ proposedById: null }, { proposedById: { not: user.id } }], approvals: { none: { userId: user.id } } },
    orderBy: { proposedAt: "asc" },
    take: 100,
    select: LIST_SELECT,
  });
  return rows.map(listItem);
}

/** Every change matching the filter, newest first, a page at a time (keyset on proposedAt, id). */
export async function listChanges(filter: ChangeFilter): Promise<{ rows: ChangeListItem[]; nextCursor: string | null }> {
  const after = decodeCursor(filter.cursor);
  const and: Prisma.ChangeWhereInput[] = [];
  if (filter.status) and.push({ status: filter.status });
  if (filter.kind) and.push({ kind: filter.kind });
  if (filter.target) and.push({ OR: [{ targetId: { contains: filter.target, mode: "insensitive" } }, { title: { contains: filter.target, mode: "insensitive" } }] });
  if (filter.person) {
    and.push({
      OR: [
        { proposedByName: { contains: filter.person, mode: "insensitive" } },
        { approvals: { some: { user: { email: { contains: filter.person, mode: "insensitive" } } } } },
      ],
    });
  }
  if (after && typeof after[0] === "string") {
    const at = new Date(after[0]);
    if (!Number.isNaN(at.getTime())) and.push({ OR: [{ proposedAt: { lt: at } }, { proposedAt: at, id: { lt: after[1] } }] });
  }
  const where: Prisma.ChangeWhereInput = { AND: and };
  const rows = await db.change.findMany({ where, orderBy: [{ proposedAt: "desc" }, { id: "desc" }], take: CHANGE_PAGE_SIZE + 1, select: LIST_SELECT });
  const page = rows.slice(0, CHANGE_PAGE_SIZE);
  const last = page[page.length - 1];
  return { rows: page.map(listItem), nextCursor: rows.length > CHANGE_PAGE_SIZE && last ? encodeCursor(last.proposedAt.toISOString(), last.id) : null };
}

export type ChangeDiff =
  | { kind: "PROMPT_LABEL"; prompt: string; label: string; before: ChangeState; after: ChangeState; versions: PromptVersionDiff | null }
  | { kind: "AGENT_CONFIG"; agent: string; beforeVersion: number | null; afterVersion: number | null; config: ConfigChange[] }
  | { kind: "OTHER"; before: ChangeState; after: ChangeState };

function stateVersion(state: ChangeState): number | null {
  return state && typeof state.version === "number" ? state.version : null;
}

async function agentConfigFields(agent: string, version: number | null): Promise<Record<string, unknown>> {
  if (version === null) return {};
  const row = await db.agentConfigVersion.findFirst({ where: { agent: { name: agent }, version } });
  if (!row) return {};
  return {
    model: row.model,
    promptName: row.promptName,
    promptLabel: row.promptLabel,
    allowedTools: row.allowedTools,
    authorityLimits: row.authorityLimits,
    autonomyLevel: row.autonomyLevel,
  };
}

async function changeDiff(kind: ChangeKindName, targetId: string, before: ChangeState, after: ChangeState): Promise<ChangeDiff> {
  if (kind === "PROMPT_LABEL") {
    const { prompt, label } = parseLabelTarget(targetId);
    const from = stateVersion(before);
    const to = stateVersion(after);
    const versions = from !== null && to !== null && from !== to ? await diffPromptVersions(prompt, from, to).catch(() => null) : null;
    return { kind, prompt, label, before, after, versions };
  }
  if (kind === "AGENT_CONFIG") {
    const beforeVersion = stateVersion(before);
    const afterVersion = stateVersion(after);
    const [a, b] = await Promise.all([agentConfigFields(targetId, beforeVersion), agentConfigFields(targetId, afterVersion)]);
    return { kind, agent: targetId, beforeVersion, afterVersion, config: diffConfig(a, b) };
  }
  return { kind: "OTHER", before, after };
}

export interface TrailEvent {
  seq: string;
  action: string;
  actor: string;
  occurredAt: Date;
  metadata: unknown;
}

export interface ChangeDetail extends ChangeListItem {
  before: ChangeState;
  after: ChangeState;
  proposedById: string | null;
  closedAt: Date | null;
  rolledBackAt: Date | null;
  rolledBackById: string | null;
  decisions: { by: string; verdict: "APPROVE" | "REJECT"; comment: string | null; at: Date }[];
  approverIds: string[];
  diff: ChangeDiff;
  trail: TrailEvent[];
}

const asState = (value: unknown): ChangeState => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null);

/** One change with everything its page shows, or null. */
export async function getChange(id: string): Promise<ChangeDetail | null> {
  const row = await db.change.findUnique({
    where: { id },
    select: {
      ...LIST_SELECT,
      before: true,
      after: true,
      proposedById: true,
      closedAt: true,
      rolledBackAt: true,
      rolledBackBy: { select: { id: true } },
      approvals: { orderBy: { createdAt: "asc" }, select: { userId: true, verdict: true, comment: true, createdAt: true, user: { select: { email: true } } } },
    },
  });
  if (!row) return null;
  const before = asState(row.before);
  const after = asState(row.after);
  const [diff, events] = await Promise.all([
    changeDiff(row.kind, row.targetId, before, after),
    db.auditEvent.findMany({ where: { targetType: "change", targetId: { in: [row.id, ...(row.rolledBackBy ? [row.rolledBackBy.id] : [])] } }, orderBy: { seq: "asc" }, take: 100 }),
  ]);
  return {
    ...listItem({ ...row, approvals: row.approvals.filter((a) => a.verdict === "APPROVE") }),
    before,
    after,
    proposedById: row.proposedById,
    closedAt: row.closedAt,
    rolledBackAt: row.rolledBackAt,
    rolledBackById: row.rolledBackBy?.id ?? null,
    decisions: row.approvals.map((a) => ({ by: a.user.email, verdict: a.verdict, comment: a.comment, at: a.createdAt })),
    approverIds: row.approvals.filter((a) => a.verdict === "APPROVE").map((a) => a.userId),
    diff,
    trail: events.map((e) => ({ seq: e.seq.toString(), action: e.action, actor: e.actorLabel, occurredAt: e.occurredAt, metadata: e.metadata })),
  };
}

export interface ChangePermissions {
  approve: { allowed: boolean; why?: string };
  rollback: { allowed: boolean; why?: string };
  cancel: boolean;
}

/** What the user may do with the change, and why not (shown instead of a button). */
export function changePermissions(change: ChangeDetail, user: { id: string; role: Role }): ChangePermissions {
  const pending = change.status === "PENDING";
  let approve: ChangePermissions["approve"] = { allowed: false };
  if (pending) {
    if (!hasScope(user.role, "changes:approve")) approve = { allowed: false, why: "Compliance or an admin decides this change." };
    else if (change.proposedById === user.id) approve = { allowed: false, why: "You proposed this change, so another person must approve it (four eyes)." };
    else if (change.approverIds.includes(user.id)) approve = { allowed: false, why: "You have approved this change; it needs another person's approval too." };
    else approve = { allowed: true };
  }
  let rollback: ChangePermissions["rollback"] = { allowed: false };
  if (change.status === "APPLIED" && !change.rolledBackById) {
    rollback = hasScope(user.role, "changes:rollback") ? { allowed: true } : { allowed: false, why: "Ops leads, compliance and admins can roll back." };
  }
  return { approve, rollback, cancel: pending && (change.proposedById === user.id || user.role === "ADMIN") };
}

/** Recent label moves of a prompt, newest first, with who moved them and through which change. */
export async function labelHistory(prompt: string, take = 50) {
  return db.promptLabelMove.findMany({
    where: { prompt: { name: prompt } },
    orderBy: { movedAt: "desc" },
    take,
    select: { id: true, label: true, version: true, fromVersion: true, canaryVersion: true, canaryWeight: true, movedByName: true, movedAt: true, changeId: true, change: { select: { status: true, rollbackOfId: true, title: true } } },
  });
}

/** The pending change of a target, if any (one at most). */
export function pendingChangeOf(targetType: string, targetId: string) {
  return db.change.findFirst({ where: { targetType, targetId, status: "PENDING" }, select: { id: true, title: true, proposedByName: true } });
}

/** The pending label changes of one prompt (at most one per label). */
export function pendingOfPrompt(prompt: string) {
  return db.change.findMany({ where: { targetType: "prompt_label", targetId: { startsWith: `${prompt}:` }, status: "PENDING" }, select: { id: true, title: true, targetId: true } });
}
