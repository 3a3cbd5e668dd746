/**
 * The clearance API against the real database: cleared or pending by policy,
 * idempotent re-sends, the run's status, the long-poll woken through the hub
 * by a decision made on another Prisma client (another instance's pool),
 * decisions on behalf of named users with the console's checks (role, four
 * eyes, not the requester), two approvers, approval with changed arguments,
 * exactly one of two concurrent decisions and claims, cancellation, every
 * route's key scopes, and hostile input.
 */
import "@/lib/changes/appliers";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { POST as createRoute } from "@/app/api/v1/escalations/route";
import { DELETE as deleteRoute, GET as getRoute } from "@/app/api/v1/escalations/[id]/route";
import { POST as decisionRoute } from "@/app/api/v1/escalations/[id]/decision/route";
import { db } from "@/lib/db";
import { NotificationHub, type ListenClient } from "@/lib/db/notifications";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { randomSpanId } from "@/tests/factories/otlp";
import { appErrorOf } from "@/tests/support/app-error";
import { ESCALATIONS_CHANNEL } from "./channel";
import { claimEscalation, decideEscalation, decideEscalationCommand, releaseEscalation } from "./commands";
import type { EscalationJson } from "./schemas";
import { agentInTeam, apiKey, idParams, json, newPolicy, noParams, person, request, unique } from "./test-support";

type People = Record<"compliance" | "compliance2" | "admin" | "ops" | "viewer" | "owner", Awaited<ReturnType<typeof person>>>;
const people = {} as People;
const keys: Record<string, Awaited<ReturnType<typeof apiKey>>> = {};

beforeAll(async () => {
  people.compliance = await person("COMPLIANCE", "compliance");
  people.compliance2 = await person("COMPLIANCE", "compliance2");
  people.admin = await person("ADMIN", "admin");
  people.ops = await person("OPS_LEAD", "ops");
  people.viewer = await person("VIEWER", "viewer");
  people.owner = await person("COMPLIANCE", "owner");
  keys.request = await apiKey(["escalations:request"], people.owner);
  keys.decide = await apiKey(["escalations:decide"], people.admin);
  keys.ingest = await apiKey(["ingest"]);
  keys.admin = await apiKey(["admin"]);
});

async function ask(body: Record<string, unknown>, key = keys.request!.key) {
  const { status, body: answer } = await json(await createRoute(request("POST", "/api/v1/escalations", key, body), noParams));
  return { status, body: answer as unknown as EscalationJson & { error?: { code: string } } };
}

async function read(id: string, waitSeconds?: number, key = keys.request!.key, signal?: AbortSignal) {
  const query = waitSeconds === undefined ? "" : `?waitSeconds=${waitSeconds}`;
  const { status, body } = await json(await getRoute(request("GET", `/api/v1/escalations/${id}${query}`, key, undefined, signal), idParams(id)));
  return { status, body: body as unknown as EscalationJson & { error?: { code: string } } };
}

async function decide(id: string, body: Record<string, unknown>, key = keys.decide!.key) {
  const { status, body: answer } = await json(await decisionRoute(request("POST", `/api/v1/escalations/${id}/decision`, key, body), idParams(id)));
  return { status, body: answer as unknown as EscalationJson & { outcome?: string; error?: { code: string; message: string } } };
}

/** An agent with a payments policy (amount > 10,000) scoped to its team. */
async function payer(over: Parameters<typeof newPolicy>[2] = {}) {
  const scope = await agentInTeam();
  const policy = unique("payments");
  await newPolicy(people.compliance, policy, { team: scope.team, toolPattern: "erp.pay*", argument: "amount", threshold: 10_000, ...over });
  return { ...scope, policy };
}

describe("asking for clearance", () => {
  it("clears at once (recorded) when no policy applies, approving the arguments as they are", async () => {
    const { agent, traceId } = await payer();
    const { status, body } = await ask({ traceId, spanId: randomSpanId(), agent, tool: "erp.pay_invoice", arguments: { amount: 500 }, reason: "small invoice", confidence: 0.9 });
    expect(status).toBe(201);
    expect(body).toMatchObject({ status: "cleared", verdict: "approve", approvedArguments: { amount: 500 }, policy: null });
    expect(await db.auditEvent.count({ where: { targetType: "escalation", targetId: body.id } })).toBe(0);
    expect(await db.escalation.findUniqueOrThrow({ where: { id: body.id } })).toMatchObject({ status: "CLEARED", runId: expect.any(String) });
  });

  it("is pending under the policy that caught it, with its version, SLA, deadline and why; the run is ESCALATED; a webhook event and an audit event are queued", async () => {
    const { agent, traceId, policy } = await payer();
    const before = Date.now();
    const { status, body } = await ask({ traceId, spanId: randomSpanId(), agent, tool: "erp.pay_invoice", arguments: { amount: 12_500, iban: "DE02" }, reason: "supplier invoice", confidence: 0.8 });
    expect(status).toBe(201);
    expect(body).toMatchObject({ status: "pending", verdict: null, policy, policyVersion: 1, matchReasons: ["amount 12,500 is above 10,000"], requiredApprovals: 1, approvals: 0, approvedArguments: null, risk: "medium" });
    expect(new Date(body.slaDueAt!).getTime()).toBeGreaterThanOrEqual(before + 60 * 60_000 - 1000);
    expect(new Date(body.expiresAt!).getTime()).toBeGreaterThanOrEqual(before + 240 * 60_000 - 1000);
    expect(await db.run.findUniqueOrThrow({ where: { traceId }, select: { status: true, flagEscalated: true } })).toEqual({ status: "ESCALATED", flagEscalated: true });
    expect(await db.auditEvent.findFirst({ where: { targetType: "escalation", targetId: body.id } })).toMatchObject({ action: "escalation.request", actorType: "API_KEY" });
    const version = await db.escalation.findUniqueOrThrow({ where: { id: body.id }, select: { policyVersionRow: { select: { version: true } } } });
    expect(version.policyVersionRow?.version).toBe(1);
  });

  it("answers a re-sent request (same trace and span) with the same escalation, and refuses the span reused for another action", async () => {
    const { agent, traceId } = await payer();
    const spanId = randomSpanId();
    const body = { traceId, spanId, agent, tool: "erp.pay", arguments: { amount: 20_000 } };
    const [first, second] = await Promise.all([ask(body), ask({ ...body, arguments: { amount: 20_000 } })]);
    expect(first.body.id).toBe(second.body.id);
    expect([first.body.replayed, second.body.replayed].filter(Boolean)).toHaveLength(1);
    expect(await db.escalation.count({ where: { traceId, spanId } })).toBe(1);
    const reused = await ask({ ...body, arguments: { amount: 30_000 } });
    expect(reused.status).toBe(409);
    expect(reused.body.error?.code).toBe("conflict:escalation_span_reused");
  });

  it("refuses malformed, oversized and wrongly typed requests with 400 naming the field, creating nothing", async () => {
    const { agent, traceId } = await payer();
    const count = await db.escalation.count({ where: { agentName: agent } });
    const cases: [unknown, string][] = [
      [{ agent, tool: "erp.pay", arguments: [1, 2] }, "arguments"],
      [{ agent, tool: "erp pay;", arguments: {} }, "tool"],
      [{ agent, tool: "erp.pay", confidence: 2 }, "confidence"],
      [{ agent, tool: "erp.pay", confidence: "high" }, "confidence"],
      [{ agent, tool: "erp.pay", traceId: "xyz" }, "traceId"],
      [{ agent, tool: "erp.pay", spanId: randomSpanId() }, "traceId"],
      [{ tool: "erp.pay" }, "agent"],
      [{ agent, tool: "erp.pay", arguments: { blob: "x".repeat(70_000) } }, "arguments"],
      [{ agent, tool: "erp.pay", extra: true }, ""],
    ];
    for (const [body, path] of cases) {
      const response = await createRoute(request("POST", "/api/v1/escalations", keys.request!.key, body), noParams);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const answer = (await response.json()) as { error: { code: string; details: { path: string }[] } };
      expect(answer.error.code).toBe("bad_request:escalation");
      if (path) expect(answer.error.details.map((d) => d.path)).toContain(path);
    }
    expect((await createRoute(request("POST", "/api/v1/escalations", keys.request!.key, "{not json"), noParams)).status).toBe(400);
    const huge = JSON.stringify({ agent, tool: "erp.pay", traceId, arguments: { blob: "x".repeat(200_000) } });
    expect((await createRoute(request("POST", "/api/v1/escalations", keys.request!.key, huge), noParams)).status).toBe(413);
    expect(await db.escalation.count({ where: { agentName: agent } })).toBe(count);
  });

  it("needs a key with escalations:request to ask, and escalations:request or :decide to read", async () => {
    const { agent } = await payer();
    for (const [key, status] of [[keys.ingest!.key, 403], [keys.decide!.key, 403], [null, 401]] as const) {
      expect((await ask({ agent, tool: "erp.pay", arguments: { amount: 1 } }, key as string)).status).toBe(status);
    }
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 50_000 } });
    expect((await read(body.id, undefined, keys.decide!.key)).status).toBe(200);
    expect((await read(body.id, undefined, keys.ingest!.key)).status).toBe(403);
    expect((await read("not-an-id")).status).toBe(400);
    expect((await read("c" + "0".repeat(24))).status).toBe(404);
    expect((await read(body.id, 56)).status).toBe(400);
    expect((await read(body.id, -1)).status).toBe(400);
  });
});

describe("waiting for the decision", () => {
  it("long-polls until a decision committed on another Prisma client (another instance's pool) wakes it through the hub, and answers the verdict, comment and approved arguments", async () => {
    const { agent, traceId } = await payer();
    const { body } = await ask({ traceId, spanId: randomSpanId(), agent, tool: "erp.pay", arguments: { amount: 15_000, iban: "DE02" } });
    const other = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 2 }) });
    try {
      const started = performance.now();
      const waiting = read(body.id, 20);
      await new Promise((r) => setTimeout(r, 300));
      let decidedAt = 0;
      await other.$transaction(async (tx) => {
        await decideEscalationCommand(tx, people.compliance, { escalationId: body.id, verdict: "approve", comment: "lower amount, then fine", arguments: { amount: 9_000, iban: "DE02" } });
      });
      decidedAt = performance.now();
      const { status, body: answer } = await waiting;
      const answeredAt = performance.now();
      expect(status).toBe(200);
      expect(answer).toMatchObject({ status: "approved", verdict: "approve", comment: "lower amount, then fine", approvedArguments: { amount: 9_000, iban: "DE02" }, argumentsChanged: true, arguments: { amount: 15_000, iban: "DE02" } });
      expect(answer.decisions).toEqual([expect.objectContaining({ verdict: "approve", decidedBy: people.compliance.label, arguments: { amount: 9_000, iban: "DE02" } })]);
      expect(answeredAt - decidedAt).toBeLessThan(1_000);
      expect(answeredAt - started).toBeLessThan(10_000);
      expect(await db.run.findUniqueOrThrow({ where: { traceId }, select: { status: true } })).toEqual({ status: "RUNNING" });
    } finally {
      await other.$disconnect();
    }
  });

  it("wakes a waiter on another instance's hub (its own LISTEN connection) when this one decides", async () => {
    const { agent } = await payer();
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 15_000 } });
    const otherHub = new NotificationHub(() => new pg.Client({ connectionString: process.env.DATABASE_URL! }) as unknown as ListenClient);
    try {
      await otherHub.ready(ESCALATIONS_CHANNEL);
      const woken = otherHub.waitFor(ESCALATIONS_CHANNEL, body.id, { timeoutMs: 10_000 });
      await decideEscalation(people.compliance, { escalationId: body.id, verdict: "reject", comment: "no" });
      expect(await woken).toMatchObject({ reason: "notified", payload: { key: body.id, event: "decided", status: "rejected" } });
      // A claim or another escalation's decision does not wake it for this id.
      const other = await ask({ agent, tool: "erp.pay", arguments: { amount: 16_000 } });
      const quiet = otherHub.waitFor(ESCALATIONS_CHANNEL, body.id, { timeoutMs: 500 });
      await decideEscalation(people.compliance, { escalationId: other.body.id, verdict: "approve" });
      expect(await quiet).toEqual({ reason: "timeout" });
    } finally {
      await otherHub.close();
    }
  });

  it("answers at once when already decided, and the pending state when the wait runs out", async () => {
    const { agent } = await payer();
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 99_999 } });
    const started = performance.now();
    const timedOut = await read(body.id, 1);
    expect(timedOut.body.status).toBe("pending");
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    await decideEscalation(people.compliance, { escalationId: body.id, verdict: "reject", comment: "no" });
    const quick = performance.now();
    expect((await read(body.id, 30)).body).toMatchObject({ status: "rejected", verdict: "reject", comment: "no", approvedArguments: null });
    expect(performance.now() - quick).toBeLessThan(1_000);
  });

  it("keeps waiting through a claim and the first of two approvals, and wakes on the second", async () => {
    const { agent } = await payer({ requiredApprovals: 2 });
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 50_000 } });
    expect(body).toMatchObject({ requiredApprovals: 2, risk: "high" });
    const waiting = read(body.id, 20);
    await new Promise((r) => setTimeout(r, 200));
    await claimEscalation(people.compliance, { escalationId: body.id });
    await decideEscalation(people.compliance, { escalationId: body.id, verdict: "approve", comment: "one" });
    const early = await Promise.race([waiting.then(() => "answered"), new Promise((r) => setTimeout(() => r("waiting"), 400))]);
    expect(early).toBe("waiting");
    await decideEscalation(people.admin, { escalationId: body.id, verdict: "approve", comment: "two" });
    expect((await waiting).body).toMatchObject({ status: "approved", approvals: 2, comment: "two" });
  });

  it("ends the wait when the agent goes away (the request's signal), holding nothing", async () => {
    const { agent } = await payer();
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 99_999 } });
    const controller = new AbortController();
    const started = performance.now();
    const waiting = read(body.id, 30, keys.request!.key, controller.signal);
    setTimeout(() => controller.abort(), 200);
    expect((await waiting).body.status).toBe("pending");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("deciding", () => {
  it("decides on behalf of a named user through the API, with the console's checks", async () => {
    const { agent } = await payer();
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 70_000 } });
    // The requester is the creator of the asking key: never the decider.
    expect((await decide(body.id, { verdict: "approve", comment: "mine", decidedBy: people.owner.label })).body.error?.code).toBe("forbidden:four_eyes");
    expect((await decide(body.id, { verdict: "approve", comment: "x", decidedBy: people.ops.label })).status).toBe(403);
    expect((await decide(body.id, { verdict: "approve", comment: "x", decidedBy: people.viewer.label })).status).toBe(403);
    expect((await decide(body.id, { verdict: "approve", comment: "x", decidedBy: "nobody@example.com" })).status).toBe(400);
    expect((await decide(body.id, { verdict: "approve", decidedBy: people.compliance.label }, keys.request!.key)).status).toBe(403);
    expect((await decide(body.id, { verdict: "maybe", decidedBy: people.compliance.label })).status).toBe(400);
    expect((await decide(body.id, { verdict: "reject", decidedBy: people.compliance.label })).body.error?.code).toBe("bad_request:escalation_decision");
    const ok = await decide(body.id, { verdict: "approve", comment: "checked the invoice", decidedBy: people.compliance.label });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: "approved", outcome: "approved", approvedArguments: { amount: 70_000 } });
    const again = await decide(body.id, { verdict: "reject", comment: "too late", decidedBy: people.compliance2.label });
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toContain(`already approved by ${people.compliance.label}`);
    const audit = await db.auditEvent.findFirst({ where: { targetId: body.id, action: "escalation.approve" } });
    expect(audit).toMatchObject({ actorType: "API_KEY", metadata: expect.objectContaining({ decidedBy: people.compliance.label, via: `api:${keys.decide!.actor.label}` }) });
    expect((await decide("c" + "1".repeat(24), { verdict: "approve", decidedBy: people.compliance.label })).status).toBe(404);
    for (const bad of [
      { verdict: "approve", decidedBy: 7 },
      { verdict: "approve", decidedBy: people.compliance.label, arguments: "amount=1" },
      { verdict: "approve", decidedBy: people.compliance.label, arguments: { blob: "x".repeat(70_000) } },
      { verdict: "reject", comment: "no", decidedBy: people.compliance.label, arguments: { amount: 1 } },
      { verdict: "approve", decidedBy: people.compliance.label, role: "ADMIN" },
    ]) {
      expect((await decide(body.id, bad)).status, JSON.stringify(bad).slice(0, 80)).toBe(400);
    }
    expect((await decide("bad id", { verdict: "approve", decidedBy: people.compliance.label })).status).toBe(400);
  });

  it("lets only the policy's decider role (or an admin) decide", async () => {
    const { agent } = await payer({ deciderRole: "admin" });
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 70_000 } });
    expect((await appErrorOf(decideEscalation(people.compliance, { escalationId: body.id, verdict: "approve" }))).code).toBe("forbidden:escalation_decider");
    expect((await appErrorOf(decideEscalation(people.ops, { escalationId: body.id, verdict: "approve" }))).type).toBe("forbidden");
    await expect(decideEscalation(people.admin, { escalationId: body.id, verdict: "approve" })).resolves.toMatchObject({ outcome: "approved" });
  });

  it("needs two different people approving the same arguments where the policy asks for two; a changed amount restarts the count", async () => {
    const { agent } = await payer({ requiredApprovals: 2 });
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 40_000 } });
    const first = await decideEscalation(people.compliance, { escalationId: body.id, verdict: "approve", comment: "ok" });
    expect(first).toMatchObject({ outcome: "approval_recorded", escalation: { status: "pending", approvals: 1 } });
    expect((await appErrorOf(decideEscalation(people.compliance, { escalationId: body.id, verdict: "approve" }))).code).toBe("conflict:escalation_already_decided_by_you");
    const changed = await decideEscalation(people.compliance2, { escalationId: body.id, verdict: "approve", comment: "only 30k", arguments: { amount: 30_000 } });
    expect(changed).toMatchObject({ outcome: "approval_recorded", escalation: { status: "pending", approvals: 1 } });
    const last = await decideEscalation(people.admin, { escalationId: body.id, verdict: "approve", comment: "30k is fine" });
    expect(last).toMatchObject({ outcome: "approved", escalation: { status: "approved", approvals: 2, approvedArguments: { amount: 30_000 } } });
  });

  it("applies exactly one of two concurrent decisions; the other is told it was already decided", async () => {
    for (let round = 0; round < 3; round++) {
      const { agent } = await payer();
      const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 11_000 } });
      const results = await Promise.allSettled([
        decideEscalation(people.compliance, { escalationId: body.id, verdict: "approve", comment: "a" }),
        decideEscalation(people.compliance2, { escalationId: body.id, verdict: "reject", comment: "b" }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost[0]!.reason).toMatchObject({ code: "conflict:escalation_decided" });
      expect(await db.escalationDecision.count({ where: { escalationId: body.id } })).toBe(1);
      expect(await db.auditEvent.count({ where: { targetId: body.id, action: { in: ["escalation.approve", "escalation.reject"] } } })).toBe(1);
    }
  });

  it("lets one of two people claim an item at once; a claim keeps others from deciding until released or lapsed", async () => {
    const { agent } = await payer();
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 11_000 } });
    const claims = await Promise.allSettled([claimEscalation(people.compliance, { escalationId: body.id }), claimEscalation(people.compliance2, { escalationId: body.id })]);
    expect(claims.filter((c) => c.status === "fulfilled")).toHaveLength(1);
    const winner = claims[0]!.status === "fulfilled" ? people.compliance : people.compliance2;
    const loser = winner === people.compliance ? people.compliance2 : people.compliance;
    expect((await appErrorOf(decideEscalation(loser, { escalationId: body.id, verdict: "approve" }))).code).toBe("conflict:escalation_claimed");
    await expect(claimEscalation(winner, { escalationId: body.id })).resolves.toMatchObject({ claimedBy: winner.label });
    await releaseEscalation(winner, { escalationId: body.id });
    await claimEscalation(loser, { escalationId: body.id });
    // A lapsed claim is no claim.
    await db.escalation.update({ where: { id: body.id }, data: { claimExpiresAt: new Date(Date.now() - 1000) } });
    await expect(decideEscalation(winner, { escalationId: body.id, verdict: "approve" })).resolves.toMatchObject({ outcome: "approved" });
    expect((await appErrorOf(claimEscalation(winner, { escalationId: body.id }))).code).toBe("conflict:escalation_decided");
    expect((await appErrorOf(claimEscalation(people.viewer, { escalationId: body.id }))).type).toBe("forbidden");
  });
});

describe("cancelling", () => {
  it("lets the key that asked cancel a pending request (the waiting agent hears it), hides it from other keys, 409 once closed", async () => {
    const { agent } = await payer();
    const { body } = await ask({ agent, tool: "erp.pay", arguments: { amount: 11_000 } });
    const otherKey = await apiKey(["escalations:request"]);
    expect((await deleteRoute(request("DELETE", `/api/v1/escalations/${body.id}`, otherKey.key), idParams(body.id))).status).toBe(404);
    const waiting = read(body.id, 20);
    await new Promise((r) => setTimeout(r, 200));
    const cancelled = await deleteRoute(request("DELETE", `/api/v1/escalations/${body.id}`, keys.request!.key), idParams(body.id));
    expect(cancelled.status).toBe(200);
    expect((await waiting).body).toMatchObject({ status: "cancelled", verdict: null });
    expect((await deleteRoute(request("DELETE", `/api/v1/escalations/${body.id}`, keys.request!.key), idParams(body.id))).status).toBe(409);
    expect((await decide(body.id, { verdict: "approve", decidedBy: people.compliance.label })).status).toBe(409);
    expect((await deleteRoute(request("DELETE", `/api/v1/escalations/${body.id}`, keys.admin!.key), idParams(body.id))).status).toBe(409);
  });
});

describe("policies weighed against live signals", () => {
  it("catches by confidence, looping runs, budgets exceeded and autonomy, and each escalation names why", async () => {
    const { agent, team, traceId } = await agentInTeam({ cost: 5 });
    await newPolicy(people.compliance, unique("unsure"), { agent, minConfidence: 0.7, toolPattern: "mail.*" });
    await newPolicy(people.compliance, unique("loops"), { team, onLoop: true, toolPattern: "crm.*" });
    await newPolicy(people.compliance, unique("budget"), { agent, onBudgetExceeded: true, toolPattern: "ads.*" });
    await newPolicy(people.compliance, unique("autonomy"), { agent, maxAutonomyLevel: 1, toolPattern: "db.*" });
    expect((await ask({ agent, tool: "mail.send", confidence: 0.5 })).body.matchReasons).toEqual(["confidence 0.5 is below 0.7"]);
    expect((await ask({ agent, tool: "mail.send", confidence: 0.9 })).body.status).toBe("cleared");
    expect((await ask({ traceId, agent, tool: "crm.update" })).body.status).toBe("cleared");
    await db.run.update({ where: { traceId }, data: { flagLoop: true } });
    expect((await ask({ traceId, agent, tool: "crm.update" })).body.matchReasons).toEqual(["the run is flagged as looping"]);
    expect((await ask({ agent, tool: "ads.buy" })).body.status).toBe("cleared");
    await db.budget.create({ data: { name: unique("b"), scope: "AGENT", agentId: (await db.agent.findUniqueOrThrow({ where: { name: agent } })).id, monthlyLimitUsd: 1, alertThresholds: [] } });
    expect((await ask({ agent, tool: "ads.buy" })).body.matchReasons[0]).toMatch(/over its own budget/);
    expect((await ask({ agent, tool: "db.drop" })).body.matchReasons).toEqual(["the agent's autonomy level 1 is at most 1"]);
  });
});
