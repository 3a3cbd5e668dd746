/**
 * Deadlines, warnings, SLA breaches and chains against the real database:
 * each policy action applied exactly once even with two job bodies at once,
 * each event queued for webhooks once, every path recorded and audited.
 */
import "@/lib/changes/appliers";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createWebhookEndpoint } from "@/lib/webhooks/commands";
import { createWebhookEndpointSchema } from "@/lib/webhooks/schemas";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { execute } from "@/lib/commands";
import { decideEscalation } from "./commands";
import { sweepEscalations } from "./deadlines";
import { requestClearance } from "./request";
import { agentInTeam, apiKey, newPolicy, person, unique } from "./test-support";

let compliance: Awaited<ReturnType<typeof person>>;
let asker: Awaited<ReturnType<typeof apiKey>>;
let endpointId: string;

beforeAll(async () => {
  compliance = await person("COMPLIANCE", "deadline-compliance");
  asker = await apiKey(["escalations:request"]);
  const endpoint = await execute(createWebhookEndpoint, SYSTEM_ACTOR, createWebhookEndpointSchema.parse({ name: unique("hook"), url: "https://hooks.example.com/escalations", eventTypes: [] }));
  endpointId = endpoint.endpoint.id;
});

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

async function pendingUnder(over: Parameters<typeof newPolicy>[2]) {
  const { agent, team } = await agentInTeam();
  await newPolicy(compliance, unique("deadline"), { team, toolPattern: "erp.*", ...over });
  return requestClearance(asker.actor, { agent, tool: "erp.pay", arguments: { amount: 5 } });
}

const events = (id: string, type: string) =>
  db.webhookDelivery.count({ where: { endpointId, eventType: type, payload: { path: ["data", "escalation", "id"], equals: id } } });

describe("at the deadline", () => {
  it("rejects by default (fail closed), exactly once with two job bodies at once, and tells the waiting agent and the webhooks", async () => {
    const escalation = await pendingUnder({ slaMinutes: 10, deadlineMinutes: 30 });
    expect(escalation).toMatchObject({ status: "pending" });
    expect(await db.escalation.findUniqueOrThrow({ where: { id: escalation.id }, select: { timeoutAction: true } })).toEqual({ timeoutAction: "REJECT" });
    expect(await events(escalation.id, "escalation.created")).toBe(1);
    const later = minutes(31);
    const sweeps = await Promise.all([sweepEscalations(db, later), sweepEscalations(db, later)]);
    expect(sweeps.reduce((n, s) => n + s.expired, 0)).toBe(1);
    const row = await db.escalation.findUniqueOrThrow({ where: { id: escalation.id } });
    expect(row).toMatchObject({ status: "EXPIRED", approvedArguments: null, closedReason: expect.stringContaining("fail closed") });
    // Closed first in the sweep: no warning or breach is announced for what is already expired.
    expect(row).toMatchObject({ slaBreachedAt: null, warnedAt: null });
    expect(await db.auditEvent.count({ where: { targetId: escalation.id, action: "escalation.deadline" } })).toBe(1);
    expect(await events(escalation.id, "escalation.decided")).toBe(1);
    // Nobody decides it afterwards.
    await expect(decideEscalation(compliance, { escalationId: escalation.id, verdict: "approve" })).rejects.toMatchObject({ code: "conflict:escalation_decided" });
  });

  it("approves the requested (or already changed) arguments when the policy says so, once", async () => {
    const escalation = await pendingUnder({ timeoutAction: "approve", slaMinutes: 5, deadlineMinutes: 20, warnBeforeMinutes: 5 });
    const later = minutes(21);
    const sweeps = await Promise.all([sweepEscalations(db, later), sweepEscalations(db, later), sweepEscalations(db, later)]);
    expect(sweeps.reduce((n, s) => n + s.approved, 0)).toBe(1);
    const row = await db.escalation.findUniqueOrThrow({ where: { id: escalation.id }, include: { decisions: true } });
    expect(row).toMatchObject({ status: "APPROVED", approvedArguments: { amount: 5 } });
    expect(row.decisions).toEqual([expect.objectContaining({ decidedByEmail: "deadline", via: "deadline", verdict: "APPROVE" })]);
  });

  it("keeps it open and flags it overdue when the policy says so; people can still decide it", async () => {
    const escalation = await pendingUnder({ timeoutAction: "keep_open", slaMinutes: 5, deadlineMinutes: 10, warnBeforeMinutes: 2 });
    const later = minutes(11);
    const sweeps = await Promise.all([sweepEscalations(db, later), sweepEscalations(db, later)]);
    expect(sweeps.reduce((n, s) => n + s.overdue, 0)).toBe(1);
    expect((await sweepEscalations(db, minutes(60))).overdue).toBe(0);
    expect(await db.escalation.findUniqueOrThrow({ where: { id: escalation.id } })).toMatchObject({ status: "PENDING", overdueAt: expect.any(Date) });
    await expect(decideEscalation(compliance, { escalationId: escalation.id, verdict: "approve" })).resolves.toMatchObject({ outcome: "approved" });
  });
});

describe("before the deadline", () => {
  it("warns once at warnAt and records the SLA breach once, each with its webhook event", async () => {
    const escalation = await pendingUnder({ slaMinutes: 10, deadlineMinutes: 60, warnBeforeMinutes: 15 });
    expect((await sweepEscalations(db, minutes(5))).warned + (await sweepEscalations(db, minutes(5))).slaBreached).toBe(0);
    const atSla = await Promise.all([sweepEscalations(db, minutes(11)), sweepEscalations(db, minutes(11))]);
    expect(atSla.reduce((n, s) => n + s.slaBreached, 0)).toBe(1);
    expect(await events(escalation.id, "escalation.sla_breached")).toBe(1);
    expect(await events(escalation.id, "escalation.deadline_approaching")).toBe(0);
    const atWarning = await Promise.all([sweepEscalations(db, minutes(46)), sweepEscalations(db, minutes(46))]);
    expect(atWarning.reduce((n, s) => n + s.warned, 0)).toBe(1);
    expect(await events(escalation.id, "escalation.deadline_approaching")).toBe(1);
    expect(await db.escalation.findUniqueOrThrow({ where: { id: escalation.id }, select: { status: true } })).toEqual({ status: "PENDING" });
  });

  it("fires each chain step once while the item stays unclaimed, and none while it is claimed", async () => {
    const chain = [
      { afterMinutes: 10, notifyRole: "admin" as const, notifyUsers: [] },
      { afterMinutes: 20, notifyRole: null, notifyUsers: ["head.of.finance@example.com"] },
    ];
    const escalation = await pendingUnder({ slaMinutes: 30, deadlineMinutes: 120, escalationChain: chain });
    const claimed = await pendingUnder({ slaMinutes: 30, deadlineMinutes: 120, escalationChain: chain });
    await db.escalation.update({ where: { id: claimed.id }, data: { claimedById: compliance.id, claimedAt: new Date(), claimExpiresAt: minutes(60) } });
    const first = await Promise.all([sweepEscalations(db, minutes(11)), sweepEscalations(db, minutes(11))]);
    expect(first.reduce((n, s) => n + s.chained, 0)).toBe(1);
    expect(await db.escalation.findUniqueOrThrow({ where: { id: escalation.id }, select: { chainLevel: true } })).toEqual({ chainLevel: 1 });
    await sweepEscalations(db, minutes(12));
    expect((await db.escalation.findUniqueOrThrow({ where: { id: escalation.id } })).chainLevel).toBe(1);
    await Promise.all([sweepEscalations(db, minutes(21)), sweepEscalations(db, minutes(21))]);
    const row = await db.escalation.findUniqueOrThrow({ where: { id: escalation.id } });
    expect(row.chainLevel).toBe(2);
    expect(row.chainNotified).toEqual([
      expect.objectContaining({ level: 1, step: expect.objectContaining({ notifyRole: "admin" }) }),
      expect.objectContaining({ level: 2, step: expect.objectContaining({ notifyUsers: ["head.of.finance@example.com"] }) }),
    ]);
    expect((await db.escalation.findUniqueOrThrow({ where: { id: claimed.id } })).chainLevel).toBe(0);
    // Each step is sent once as a webhook event (Slack-ready), so the next role or the named people hear of it.
    expect(await events(escalation.id, "escalation.chain_notified")).toBe(2);
    expect(await events(claimed.id, "escalation.chain_notified")).toBe(0);
    expect(await db.auditEvent.count({ where: { action: "escalation.chain", metadata: { path: ["chained"], array_contains: [{ id: escalation.id }] } } })).toBe(2);
  });
});
