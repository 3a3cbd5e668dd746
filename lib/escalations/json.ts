/**
 * One escalation as the clearance API answers it (schemas.ts `EscalationJson`),
 * from one read with its decisions. Shared by the routes, the long-poll and the
 * commands that answer the state they left.
 */
import type { Prisma } from "@/lib/generated/prisma/client";
import type { EscalationJson, EscalationStatusName } from "./schemas";

export const ESCALATION_JSON_SELECT = {
  id: true,
  status: true,
  agentName: true,
  tool: true,
  traceId: true,
  spanId: true,
  reason: true,
  confidence: true,
  risk: true,
  policyName: true,
  policyVersion: true,
  matchReasons: true,
  requiredApprovals: true,
  slaDueAt: true,
  expiresAt: true,
  createdAt: true,
  decidedAt: true,
  arguments: true,
  argumentsHash: true,
  approvedArguments: true,
  approvedArgumentsHash: true,
  closedReason: true,
  executedDifferently: true,
  decisions: { select: { verdict: true, comment: true, decidedByEmail: true, decidedAt: true, arguments: true, argumentsHash: true }, orderBy: { decidedAt: "asc" } },
} as const satisfies Prisma.EscalationSelect;

export type EscalationJsonRow = Prisma.EscalationGetPayload<{ select: typeof ESCALATION_JSON_SELECT }>;

const object = (value: unknown): Record<string, unknown> => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/** The arguments the next approval is for: the latest approval's (a decider may have changed them), else the requested ones. */
export function candidateOf(row: Pick<EscalationJsonRow, "arguments" | "argumentsHash" | "decisions">): { arguments: Record<string, unknown>; hash: string } {
  const approvals = row.decisions.filter((d) => d.verdict === "APPROVE" && d.argumentsHash);
  const last = approvals[approvals.length - 1];
  return last ? { arguments: object(last.arguments), hash: last.argumentsHash! } : { arguments: object(row.arguments), hash: row.argumentsHash };
}

export function escalationJson(row: EscalationJsonRow): EscalationJson {
  const status = row.status.toLowerCase() as EscalationStatusName;
  const verdict = status === "approved" || status === "cleared" ? "approve" : status === "rejected" || status === "expired" ? "reject" : null;
  const last = row.decisions[row.decisions.length - 1];
  const candidate = candidateOf(row);
  return {
    id: row.id,
    status,
    verdict,
    comment: status === "pending" ? null : (last?.comment ?? row.closedReason ?? null),
    agent: row.agentName,
    tool: row.tool,
    traceId: row.traceId,
    spanId: row.spanId,
    reason: row.reason,
    confidence: row.confidence,
    risk: row.risk,
    policy: row.policyName,
    policyVersion: row.policyVersion,
    matchReasons: strings(row.matchReasons),
    requiredApprovals: row.requiredApprovals,
    approvals: row.decisions.filter((d) => d.verdict === "APPROVE" && d.argumentsHash === candidate.hash).length,
    slaDueAt: row.slaDueAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
    arguments: object(row.arguments),
    approvedArguments: row.approvedArguments === null ? null : object(row.approvedArguments),
    argumentsChanged: row.approvedArgumentsHash !== null && row.approvedArgumentsHash !== row.argumentsHash,
    decisions: row.decisions.map((d) => ({
      verdict: d.verdict === "APPROVE" ? ("approve" as const) : ("reject" as const),
      comment: d.comment,
      decidedBy: d.decidedByEmail,
      decidedAt: d.decidedAt.toISOString(),
      arguments: d.arguments === null ? null : object(d.arguments),
    })),
    executedDifferently: row.executedDifferently,
  };
}


/** The fields webhook receivers get for an escalation. */
export function eventData(e: EscalationJson) {
  return { id: e.id, status: e.status, agent: e.agent, tool: e.tool, policy: e.policy, policyVersion: e.policyVersion, risk: e.risk, arguments: e.arguments, approvedArguments: e.approvedArguments, slaDueAt: e.slaDueAt, expiresAt: e.expiresAt, traceId: e.traceId };
}

