/**
 * Reads for the escalation pages: the queue (pending, sorted by SLA due,
 * filtered by agent, team, policy and risk), one escalation with its policy,
 * decisions and the run's steps that led to it, and the history of decided
 * escalations (who, when, how long it waited). Client components get plain
 * JSON (ISO times), never rows.
 */
import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { decodeCursor, encodeCursor } from "@/lib/ids";
import { firstValue, queryText, type IgnoredQueryParam, type PageSearchParams } from "@/lib/security/page-query";
import { RISKS, type Risk } from "./schemas";

export interface QueueFilter {
  agent?: string;
  team?: string;
  policy?: string;
  risk?: Risk;
}

const filterFields = {
  agent: queryText(200),
  team: queryText(200),
  policy: queryText(200),
  risk: z.enum(RISKS, { message: "not low, medium or high" }).optional(),
} as const;

/** The queue's filters from a query string; bad values are dropped and reported. */
export function queueFilterReport(params: PageSearchParams | URLSearchParams): { filter: QueueFilter; ignored: IgnoredQueryParam[] } {
  const get = (name: string) => (params instanceof URLSearchParams ? (params.get(name) ?? undefined) : firstValue(params[name]));
  const filter: QueueFilter = {};
  const ignored: IgnoredQueryParam[] = [];
  for (const [name, schema] of Object.entries(filterFields)) {
    const raw = get(name);
    if (raw === undefined || raw === "") continue;
    const parsed = schema.safeParse(raw);
    if (parsed.success) {
      if (parsed.data !== undefined) (filter as Record<string, string>)[name] = parsed.data;
    } else ignored.push({ name, reason: parsed.error.issues[0]?.message ?? "not valid" });
  }
  return { filter, ignored };
}

export interface QueueItem {
  id: string;
  agent: string;
  team: string | null;
  tool: string;
  reason: string | null;
  confidence: number | null;
  risk: string | null;
  policy: string | null;
  argumentsPreview: string;
  createdAt: string;
  slaDueAt: string | null;
  expiresAt: string | null;
  warnAt: string | null;
  overdue: boolean;
  claimedBy: string | null;
  claimExpiresAt: string | null;
  approvals: number;
  requiredApprovals: number;
  chainLevel: number;
  /** Who the escalation chain has notified so far (roles and people). */
  escalatedTo: string[];
  /** Ingestion saw its tool call executed otherwise than approved. */
  executedDifferently: boolean;
}

const QUEUE_LIMIT = 200;

function preview(args: unknown): string {
  const text = JSON.stringify(args ?? {});
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function escalatedTo(chain: unknown): string[] {
  if (!Array.isArray(chain)) return [];
  const out: string[] = [];
  for (const entry of chain) {
    const step = (entry as { step?: { notifyRole?: unknown; notifyUsers?: unknown } } | null)?.step;
    if (typeof step?.notifyRole === "string") out.push(step.notifyRole.replace("_", " "));
    if (Array.isArray(step?.notifyUsers)) for (const u of step.notifyUsers) if (typeof u === "string") out.push(u);
  }
  return [...new Set(out)];
}

const QUEUE_SELECT = {
  id: true,
  agentName: true,
  teamName: true,
  tool: true,
  reason: true,
  confidence: true,
  risk: true,
  policyName: true,
  arguments: true,
  argumentsHash: true,
  createdAt: true,
  slaDueAt: true,
  expiresAt: true,
  warnAt: true,
  overdueAt: true,
  claimExpiresAt: true,
  claimedBy: { select: { email: true } },
  requiredApprovals: true,
  chainLevel: true,
  chainNotified: true,
  executedDifferently: true,
  decisions: { select: { verdict: true, argumentsHash: true }, orderBy: { decidedAt: "asc" } },
} as const satisfies Prisma.EscalationSelect;

function whereOf(filter: QueueFilter): Prisma.EscalationWhereInput {
  return {
    ...(filter.agent ? { agentName: filter.agent } : {}),
    ...(filter.team ? { teamName: filter.team } : {}),
    ...(filter.policy ? { policyName: filter.policy } : {}),
    ...(filter.risk ? { risk: filter.risk } : {}),
  };
}

/** Pending escalations, SLA due first (then the oldest). */
export async function listQueue(filter: QueueFilter = {}, now = new Date()): Promise<QueueItem[]> {
  const rows = await db.escalation.findMany({
    where: { status: "PENDING", ...whereOf(filter) },
    select: QUEUE_SELECT,
    orderBy: [{ slaDueAt: { sort: "asc", nulls: "last" } }, { createdAt: "asc" }],
    take: QUEUE_LIMIT,
  });
  return rows.map((r) => {
    const approvals = r.decisions.filter((d) => d.verdict === "APPROVE");
    const last = approvals[approvals.length - 1]?.argumentsHash ?? r.argumentsHash;
    const claimLive = r.claimExpiresAt !== null && r.claimExpiresAt > now;
    return {
      id: r.id,
      agent: r.agentName,
      team: r.teamName,
      tool: r.tool,
      reason: r.reason,
      confidence: r.confidence,
      risk: r.risk,
      policy: r.policyName,
      argumentsPreview: preview(r.arguments),
      createdAt: r.createdAt.toISOString(),
      slaDueAt: r.slaDueAt?.toISOString() ?? null,
      expiresAt: r.expiresAt?.toISOString() ?? null,
      warnAt: r.warnAt?.toISOString() ?? null,
      overdue: r.overdueAt !== null,
      claimedBy: claimLive ? (r.claimedBy?.email ?? null) : null,
      claimExpiresAt: claimLive ? r.claimExpiresAt!.toISOString() : null,
      approvals: approvals.filter((d) => d.argumentsHash === last).length,
      requiredApprovals: r.requiredApprovals,
      chainLevel: r.chainLevel,
      escalatedTo: escalatedTo(r.chainNotified),
      executedDifferently: r.executedDifferently,
    };
  });
}

/** What the queue's filter selects offer: the agents, teams, policies of pending escalations. */
export async function queueFilterOptions(): Promise<{ agents: string[]; teams: string[]; policies: string[] }> {
  const rows = await db.escalation.findMany({ where: { status: "PENDING" }, select: { agentName: true, teamName: true, policyName: true }, distinct: ["agentName", "teamName", "policyName"], take: 1000 });
  const sorted = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => Boolean(v)))].sort();
  return { agents: sorted(rows.map((r) => r.agentName)), teams: sorted(rows.map((r) => r.teamName)), policies: sorted(rows.map((r) => r.policyName)) };
}

export async function countOpen(): Promise<{ pending: number; slaBreached: number }> {
  const now = new Date();
  const [pending, slaBreached] = await Promise.all([db.escalation.count({ where: { status: "PENDING" } }), db.escalation.count({ where: { status: "PENDING", slaDueAt: { lte: now } } })]);
  return { pending, slaBreached };
}

export interface RunContextStep {
  id: string;
  kind: string;
  name: string;
  tool: string | null;
  status: string;
  startedAt: string;
  summary: string | null;
}

const CONTEXT_STEPS = 12;

function stepSummary(step: { kind: string; arguments: unknown; decision: unknown; error: string | null; model: string | null }): string | null {
  if (step.error) return step.error.slice(0, 200);
  if (step.kind === "DECISION" && step.decision && typeof step.decision === "object") {
    const d = step.decision as { chosen?: unknown; rationale?: unknown; confidence?: unknown };
    return [d.chosen, d.rationale].filter((v) => typeof v === "string").join(" — ").slice(0, 200) + (typeof d.confidence === "number" ? ` (confidence ${d.confidence})` : "");
  }
  if (step.kind === "TOOL_CALL" && step.arguments !== null) return preview(step.arguments);
  if (step.kind === "LLM_CALL" && step.model) return step.model;
  return null;
}

/** The run's last steps up to the request (the steps that led to it), oldest first. */
async function runContext(runId: string, until: Date): Promise<RunContextStep[]> {
  const steps = await db.step.findMany({
    where: { runId, startedAt: { lte: new Date(until.getTime() + 1000) } },
    select: { id: true, kind: true, name: true, tool: true, status: true, startedAt: true, arguments: true, decision: true, error: true, model: true },
    orderBy: { startedAt: "desc" },
    take: CONTEXT_STEPS,
  });
  return steps.reverse().map((s) => ({ id: s.id, kind: s.kind, name: s.name, tool: s.tool, status: s.status, startedAt: s.startedAt.toISOString(), summary: stepSummary(s) }));
}

export async function getEscalationDetail(id: string) {
  const row = await db.escalation.findUnique({
    where: { id },
    include: {
      decisions: { orderBy: { decidedAt: "asc" } },
      claimedBy: { select: { email: true } },
      policy: { select: { id: true, name: true, version: true, runbook: true, removedAt: true } },
      run: { select: { id: true, traceId: true, name: true, status: true, startedAt: true } },
    },
  });
  if (!row) return null;
  // The run may have arrived after the request (linked by trace id).
  const run = row.run ?? (row.traceId ? await db.run.findUnique({ where: { traceId: row.traceId }, select: { id: true, traceId: true, name: true, status: true, startedAt: true } }) : null);
  const context = run ? await runContext(run.id, row.createdAt) : [];
  const now = new Date();
  const claimLive = row.claimExpiresAt !== null && row.claimExpiresAt > now;
  const approvals = row.decisions.filter((d) => d.verdict === "APPROVE");
  const candidate = approvals[approvals.length - 1];
  return {
    id: row.id,
    status: row.status,
    agent: row.agentName,
    team: row.teamName,
    tool: row.tool,
    arguments: row.arguments,
    candidateArguments: candidate?.arguments ?? row.arguments,
    candidateHash: candidate?.argumentsHash ?? row.argumentsHash,
    approvedArguments: row.approvedArguments,
    argumentsChanged: row.approvedArgumentsHash !== null && row.approvedArgumentsHash !== row.argumentsHash,
    reason: row.reason,
    confidence: row.confidence,
    risk: row.risk,
    policy: row.policy ? { id: row.policy.id, name: row.policy.name, currentVersion: row.policy.version, runbook: row.policy.runbook, removed: row.policy.removedAt !== null } : null,
    policyName: row.policyName,
    policyVersion: row.policyVersion,
    matchReasons: Array.isArray(row.matchReasons) ? row.matchReasons.filter((r): r is string => typeof r === "string") : [],
    requiredApprovals: row.requiredApprovals,
    approvals: approvals.filter((d) => d.argumentsHash === (candidate?.argumentsHash ?? row.argumentsHash)).length,
    deciderRole: row.deciderRole,
    timeoutAction: row.timeoutAction,
    requestedById: row.requestedById,
    requestedByName: row.requestedByName,
    createdAt: row.createdAt.toISOString(),
    slaDueAt: row.slaDueAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    warnAt: row.warnAt?.toISOString() ?? null,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    overdue: row.overdueAt !== null,
    slaBreached: row.status === "PENDING" && row.slaDueAt !== null && row.slaDueAt <= now,
    deadlineSoon: row.status === "PENDING" && row.warnAt !== null && row.warnAt <= now,
    closedReason: row.closedReason,
    claimedBy: claimLive ? (row.claimedBy?.email ?? null) : null,
    claimedById: claimLive ? row.claimedById : null,
    claimExpiresAt: claimLive ? row.claimExpiresAt!.toISOString() : null,
    chainNotified: escalatedTo(row.chainNotified),
    executedAt: row.executedAt?.toISOString() ?? null,
    executionCount: row.executionCount,
    executedDifferently: row.executedDifferently,
    executedDifferentlyReason: row.executedDifferentlyReason,
    decisions: row.decisions.map((d) => ({ id: d.id, verdict: d.verdict, comment: d.comment, decidedBy: d.decidedByEmail, decidedById: d.decidedById, decidedAt: d.decidedAt.toISOString(), arguments: d.arguments, via: d.via })),
    traceId: row.traceId,
    spanId: row.spanId,
    run: run ? { id: run.id, traceId: run.traceId, name: run.name, status: run.status } : null,
    context,
  };
}
export type EscalationDetail = NonNullable<Awaited<ReturnType<typeof getEscalationDetail>>>;

export interface HistoryItem {
  id: string;
  agent: string;
  tool: string;
  status: string;
  policy: string | null;
  decidedBy: string[];
  createdAt: string;
  decidedAt: string;
  waitedMs: number;
  argumentsChanged: boolean;
  executedDifferently: boolean;
}

const HISTORY_PAGE = 50;
const CLOSED = ["APPROVED", "REJECTED", "EXPIRED", "CANCELLED"] as const;

/** Decided escalations, newest decision first, keyset-paginated. */
export async function listHistory(filter: QueueFilter & { cursor?: string } = {}): Promise<{ rows: HistoryItem[]; nextCursor: string | null }> {
  const cursor = decodeCursor(filter.cursor);
  const after: Prisma.EscalationWhereInput =
    cursor && typeof cursor[0] === "string" ? { OR: [{ decidedAt: { lt: new Date(cursor[0]) } }, { decidedAt: new Date(cursor[0]), id: { lt: cursor[1] } }] } : {};
  const rows = await db.escalation.findMany({
    where: { status: { in: [...CLOSED] }, ...whereOf(filter), ...after },
    select: { id: true, agentName: true, tool: true, status: true, policyName: true, createdAt: true, decidedAt: true, argumentsHash: true, approvedArgumentsHash: true, executedDifferently: true, decisions: { select: { decidedByEmail: true }, orderBy: { decidedAt: "asc" } } },
    orderBy: [{ decidedAt: "desc" }, { id: "desc" }],
    take: HISTORY_PAGE + 1,
  });
  const page = rows.slice(0, HISTORY_PAGE);
  const last = page[page.length - 1];
  return {
    rows: page.map((r) => ({
      id: r.id,
      agent: r.agentName,
      tool: r.tool,
      status: r.status,
      policy: r.policyName,
      decidedBy: r.decisions.map((d) => d.decidedByEmail),
      createdAt: r.createdAt.toISOString(),
      decidedAt: r.decidedAt!.toISOString(),
      waitedMs: r.decidedAt!.getTime() - r.createdAt.getTime(),
      argumentsChanged: r.approvedArgumentsHash !== null && r.approvedArgumentsHash !== r.argumentsHash,
      executedDifferently: r.executedDifferently,
    })),
    nextCursor: rows.length > HISTORY_PAGE && last ? encodeCursor(last.decidedAt!.toISOString(), last.id) : null,
  };
}
