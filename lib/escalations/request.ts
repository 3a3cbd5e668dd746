/**
 * An agent asks for clearance (POST /api/v1/escalations). The enabled
 * policies are weighed against what is known about the call (matching is pure,
 * policies/match.ts); the loop flag and the agent's budgets are read only when
 * a policy that applies needs them. No policy catches it: the request is
 * recorded as cleared, with its arguments approved as they are. Otherwise it
 * is pending under the strictest policy that caught it, with that policy's
 * version, SLA, deadline and decider frozen on the escalation, the run set to
 * ESCALATED, an audit event, an `escalation.created` webhook event (queued in
 * the transaction, sent by the delivery job) and a notification for live
 * queues — all committed together.
 *
 * Re-sent requests (same trace and span) are the same escalation: the agent
 * retrying after a lost answer gets the one it made (`replayed`), and one
 * that reuses the span for another action is refused (409).
 */
import "server-only";
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import { db, type Tx } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { checkBudget } from "@/lib/spend/budgets/reservations";
import { emitEvent, mrkdwn } from "@/lib/webhooks/events";
import { notifyEscalation } from "./channel";
import { argumentsHash } from "./hash";
import { ESCALATION_JSON_SELECT, escalationJson, eventData } from "./json";
import { matchPolicies, neededSignals, riskOf, type CallFacts, type MatchablePolicy } from "./policies/match";
import { enabledPolicies } from "./policies/queries";
import type { EscalationCreateBody, EscalationJson } from "./schemas";

export interface PreparedRequest {
  body: EscalationCreateBody;
  agent: { id: string; team: string | null } | null;
  match: { policy: MatchablePolicy; reasons: string[]; others: string[] } | null;
  now: Date;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The sentence naming a budget the agent is over (spent and held beyond the limit), or null. */
async function overBudget(agent: string): Promise<string | null> {
  const answer = await checkBudget(agent, 0);
  const over = answer.budgets.find((b) => b.exceeded);
  if (!over) return null;
  const what = over.scope === "organisation" ? "the organisation's budget" : over.scope === "team" ? `team ${over.team}'s budget` : "its own budget";
  return `the agent is over ${what} (${usd(over.spentUsd + over.reservedUsd)} of ${usd(over.monthlyLimitUsd)} this month)`;
}

/** Reads what the policies need and weighs them: outside the transaction, which only writes. */
export async function prepareRequest(body: EscalationCreateBody, now = new Date()): Promise<PreparedRequest> {
  const [agent, policies] = await Promise.all([
    db.agent.findUnique({ where: { name: body.agent }, select: { id: true, autonomyLevel: true, team: { select: { name: true } } } }),
    enabledPolicies(),
  ]);
  const base = { agent: body.agent, team: agent?.team?.name ?? null, tool: body.tool };
  const needs = neededSignals(policies, base);
  const [looping, budget] = await Promise.all([
    needs.looping && body.traceId ? db.run.findUnique({ where: { traceId: body.traceId }, select: { flagLoop: true } }).then((r) => r?.flagLoop ?? false) : Promise.resolve(null),
    needs.budget && agent ? overBudget(body.agent) : Promise.resolve(null),
  ]);
  const facts: CallFacts = {
    ...base,
    autonomyLevel: agent?.autonomyLevel ?? null,
    arguments: body.arguments as CallFacts["arguments"],
    confidence: body.confidence ?? null,
    looping,
    overBudget: budget,
  };
  const matches = matchPolicies(policies, facts);
  const [first, ...rest] = matches;
  return {
    body,
    agent: agent ? { id: agent.id, team: agent.team?.name ?? null } : null,
    match: first ? { policy: first.policy, reasons: first.reasons, others: rest.map((m) => m.policy.name) } : null,
    now,
  };
}

const minutes = (from: Date, n: number) => new Date(from.getTime() + n * 60_000);

async function requester(tx: Tx, actor: Actor): Promise<{ keyId: string | null; userId: string | null; name: string }> {
  if (actor.type !== "API_KEY") return { keyId: null, userId: actor.type === "USER" ? actor.id : null, name: actor.label };
  const key = await tx.apiKey.findUnique({ where: { id: actor.id }, select: { createdById: true, createdBy: { select: { email: true } } } });
  return { keyId: actor.id, userId: key?.createdById ?? null, name: key?.createdBy ? `${actor.label} (key of ${key.createdBy.email})` : `${actor.label} (API key)` };
}

async function replayOf(tx: Tx, body: EscalationCreateBody, hash: string): Promise<EscalationJson | null> {
  if (!body.traceId || !body.spanId) return null;
  const existing = await tx.escalation.findFirst({ where: { traceId: body.traceId, spanId: body.spanId }, select: ESCALATION_JSON_SELECT });
  if (!existing) return null;
  if (existing.tool !== body.tool || existing.argumentsHash !== hash || existing.agentName !== body.agent) {
    throw new AppError("conflict:escalation_span_reused", "This trace and span already asked for clearance of another action; each request has its own span.", { id: existing.id });
  }
  return { ...escalationJson(existing), replayed: true };
}

const DECIDER = { compliance: "COMPLIANCE", admin: "ADMIN" } as const;
const TIMEOUT = { reject: "REJECT", approve: "APPROVE", keep_open: "KEEP_OPEN" } as const;

export const requestClearanceCommand = defineCommand("escalation.request", { user: "admin", key: "escalations:request" }, async (tx, actor, input: PreparedRequest) => {
  const { body, match, now } = input;
  const hash = argumentsHash(body.arguments);
  const replay = await replayOf(tx, body, hash);
  if (replay) return { result: replay, audit: null };

  const who = await requester(tx, actor);
  const run = body.traceId ? await tx.run.findUnique({ where: { traceId: body.traceId }, select: { id: true } }) : null;
  const step = run && body.spanId ? await tx.step.findUnique({ where: { traceId_spanId: { traceId: body.traceId!, spanId: body.spanId } }, select: { id: true } }) : null;
  const common = {
    runId: run?.id ?? null,
    stepId: step?.id ?? null,
    traceId: body.traceId ?? null,
    spanId: body.spanId ?? null,
    agentId: input.agent?.id ?? null,
    agentName: body.agent,
    teamName: input.agent?.team ?? null,
    tool: body.tool,
    arguments: body.arguments as Prisma.InputJsonValue,
    argumentsHash: hash,
    reason: body.reason || null,
    confidence: body.confidence ?? null,
    requestedByKeyId: who.keyId,
    requestedById: who.userId,
    requestedByName: who.name,
    createdAt: now,
  };

  if (!match) {
    const cleared = await tx.escalation.create({
      data: { ...common, status: "CLEARED", risk: body.risk ?? "low", approvedArguments: body.arguments as Prisma.InputJsonValue, approvedArgumentsHash: hash, decidedAt: now, closedReason: "No policy applies." },
      select: ESCALATION_JSON_SELECT,
    });
    // Recorded, not audited: nothing was decided by anyone (as ingestion is recorded in its ledger, not the audit log).
    return { result: escalationJson(cleared), audit: null };
  }

  const policy = match.policy;
  const version = await tx.policyVersion.findUnique({ where: { policyId_version: { policyId: policy.id, version: policy.version } }, select: { id: true } });
  const reasons = match.others.length ? [...match.reasons, `also caught by ${match.others.join(", ")}`] : match.reasons;
  const risk = body.risk ?? riskOf(match, body.arguments as CallFacts["arguments"]);
  const created = await tx.escalation.create({
    data: {
      ...common,
      status: "PENDING",
      risk,
      policyId: policy.id,
      policyVersionId: version?.id ?? null,
      policyVersion: policy.version,
      policyName: policy.name,
      matchReasons: reasons,
      requiredApprovals: policy.requiredApprovals,
      deciderRole: DECIDER[policy.deciderRole],
      timeoutAction: TIMEOUT[policy.timeoutAction],
      slaDueAt: minutes(now, policy.slaMinutes),
      expiresAt: minutes(now, policy.deadlineMinutes),
      warnAt: policy.warnBeforeMinutes > 0 ? minutes(now, policy.deadlineMinutes - policy.warnBeforeMinutes) : null,
    },
    select: ESCALATION_JSON_SELECT,
  });
  if (run) {
    await tx.$executeRaw`UPDATE "Run" SET "flagEscalated" = true,
        "status" = CASE WHEN "status" IN ('RUNNING', 'STALLED') THEN 'ESCALATED'::"RunStatus" ELSE "status" END
      WHERE "id" = ${run.id}`;
  }
  const json = escalationJson(created);
  await emitEvent(tx, {
    type: "escalation.created",
    data: { escalation: eventData(json), requestedBy: who.name },
    text:
      mrkdwn`*${body.agent}* asks for clearance to run *${body.tool}* (policy ${policy.name}: ${reasons.join("; ")})` +
      (body.reason ? mrkdwn` — “${body.reason}”` : "") +
      mrkdwn`. SLA due ${json.slaDueAt!.slice(0, 16).replace("T", " ")} UTC.`,
    link: { url: `/escalations/${created.id}`, label: "Open the escalation" },
    occurredAt: now,
  });
  await notifyEscalation(tx, created.id, "created", "PENDING");
  return {
    result: json,
    audit: {
      targetType: "escalation",
      targetId: created.id,
      after: { status: "PENDING", tool: body.tool, arguments: body.arguments, policy: policy.name, policyVersion: policy.version },
      metadata: { agent: body.agent, traceId: body.traceId ?? null, reasons, risk, requestedBy: who.name },
    },
  };
});

/** Weighs and records a request; a concurrent twin of the same span answers the escalation that won. */
export async function requestClearance(actor: Actor, body: EscalationCreateBody): Promise<EscalationJson> {
  const prepared = await prepareRequest(body);
  try {
    return await execute(requestClearanceCommand, actor, prepared);
  } catch (error) {
    if (!isUniqueViolation(error) || !body.traceId || !body.spanId) throw error;
    return db.$transaction((tx) => replayOf(tx, body, argumentsHash(body.arguments))).then((replay) => {
      if (!replay) throw error;
      return replay;
    });
  }
}
