/**
 * Breakers against the real database, through the real ingestion pipeline
 * and the real sweep: each condition trips (enforce) or records what it would
 * have done (observe), with the events, audit events and webhooks each
 * writes; the cool-down; the half-open test passing and failing; a person's
 * resume restarting the windows; and two app instances (concurrent hooks and
 * sweeps on separate transactions) firing a breaker once, not twice.
 */
import "@/lib/changes/appliers";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { execute } from "@/lib/commands";
import { db } from "@/lib/db";
import { agentInTeam, apiKey, person } from "@/lib/escalations/test-support";
import { decideEscalation } from "@/lib/escalations/commands";
import { requestClearance } from "@/lib/escalations/request";
import { newPolicy } from "@/lib/escalations/test-support";
import { readAgentStatus } from "../status-api";
import { setAgentStatusCommand } from "../status";
import { updateBreakerCommand } from "./commands";
import { evaluateBatch } from "./ingest-hook";
import { forgetSpendBaselines } from "./measure";
import { sweepBreakers } from "./sweep";
import { auditCount, breakerRow, eventsOf, ingest, loopingRun, newAgent, newBreaker, runningRun, spend, statusOf, toolCalls, tripEvents, unique, wholeRun, type TestAgent } from "./test-support";

let endpointId: string;

beforeAll(async () => {
  // Every event type, so what breakers emit is queued and can be counted.
  endpointId = (await db.webhookEndpoint.create({ data: { name: unique("breaker-hooks"), url: "http://127.0.0.1:9/hook", secret: "s3cret-breakers", eventTypes: [] } })).id;
});

const webhooks = async (type: string, agent: TestAgent) =>
  (await db.webhookDelivery.findMany({ where: { endpointId, eventType: type } })).filter((d) => (d.payload as { data?: { agent?: string } }).data?.agent === agent.name);

const TER = { condition: "TOOL_ERROR_RATE", params: { thresholdPct: 50, window: 10, minSample: 5 } };

describe("tool error rate, through ingestion", () => {
  it("enforce: the batch that crosses trips the agent in its own transaction, with every record of it", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, TER);
    await ingest(toolCalls(agent, "x.x."));
    expect(await statusOf(agent)).toBe("ACTIVE"); // 4 calls < minSample 5
    await ingest(toolCalls(agent, ".x"));
    expect(await statusOf(agent)).toBe("ACTIVE"); // 3 of 6 = 50 %, not above
    const started = performance.now();
    const stored = await ingest(toolCalls(agent, "x"));
    // The span is acknowledged once ingestBatch returns: the agent already reads tripped.
    const status = await readAgentStatus(agent.name);
    const latencyMs = performance.now() - started;
    expect(status).toMatchObject({ status: "tripped", breaker: b.name, setBy: `breaker:${b.name}` });
    expect(status.reason).toMatch(/^Tool error rate 57\.1 % over the last 7 tool calls/);
    expect(latencyMs).toBeLessThan(1000);
    expect(stored.steps.stored).toBe(1);
    const row = await breakerRow(b.id);
    expect(row).toMatchObject({ state: "OPEN", lastValue: expect.closeTo(57.14, 1) });
    const events = await eventsOf(b.id);
    expect(events.map((e) => e.kind)).toEqual(["TRIPPED"]);
    expect(events[0]!.runIds.length).toBeGreaterThan(0);
    expect(await auditCount("agent.trip", agent.id)).toBe(1);
    expect(await webhooks("agent.tripped", agent)).toHaveLength(1);
    // Open: more failures change nothing.
    await ingest(toolCalls(agent, "xxxx"));
    expect(await tripEvents(agent)).toBe(1);
  });

  it("observe: records and notifies that it would have tripped, once per cool-down, and the agent keeps running", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { ...TER, mode: "OBSERVE", coolDownMinutes: 15 });
    await ingest(toolCalls(agent, "xxxxx"));
    await ingest(toolCalls(agent, "xxxxx"));
    expect(await statusOf(agent)).toBe("ACTIVE");
    const events = await eventsOf(b.id);
    expect(events.map((e) => e.kind)).toEqual(["WOULD_TRIP"]);
    expect(events[0]!.message).toMatch(/^Tool error rate 100 % over the last 5 tool calls/);
    expect(await auditCount("breaker.would_trip", b.id)).toBe(1);
    const hooks = await webhooks("breaker.would_trip", agent);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.payload).toMatchObject({ data: { breaker: b.name, condition: "tool_error_rate", threshold: 50 } });
    expect(await webhooks("agent.tripped", agent)).toHaveLength(0);
    const row = await breakerRow(b.id);
    expect(row.state).toBe("CLOSED");
    // After the cool-down the sweep fires it again on the calls since the last firing (its window restarted then).
    const later = new Date(row.lastFiredAt!.getTime() + 16 * 60_000);
    await sweepBreakers(db, later);
    expect((await eventsOf(b.id)).map((e) => e.kind)).toEqual(["WOULD_TRIP", "WOULD_TRIP"]);
  });

  it("cool-down: a person resumes the tripped agent; the same data does not trip it again, nor new data before the cool-down ends", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { ...TER, coolDownMinutes: 15 });
    await ingest(toolCalls(agent, "xxxxx"));
    expect(await statusOf(agent)).toBe("TRIPPED");
    const ops = await person("OPS_LEAD", "ops");
    await execute(setAgentStatusCommand, ops, { agent: agent.name, status: "ACTIVE", reason: "fixed the ERP", acknowledgeTrip: true });
    // The sweep sees the agent resumed by a person: the breaker closes, its window starting at the resume.
    const swept = await sweepBreakers(db, new Date());
    expect(swept.closed).toBeGreaterThanOrEqual(1);
    expect((await breakerRow(b.id)).state).toBe("CLOSED");
    // A call that succeeds: the window holds only data since the resume (1 call), so the old failures do not count.
    await ingest(toolCalls(agent, "."));
    expect(await statusOf(agent)).toBe("ACTIVE");
    // Five new failures cross again, but the cool-down since the trip is not over.
    await ingest(toolCalls(agent, "xxxxx"));
    expect(await statusOf(agent)).toBe("ACTIVE");
    // Once it is, the sweep trips it.
    await sweepBreakers(db, new Date((await breakerRow(b.id)).lastFiredAt!.getTime() + 15 * 60_000 + 1000));
    expect(await statusOf(agent)).toBe("TRIPPED");
    expect((await eventsOf(b.id)).map((e) => e.kind)).toEqual(["TRIPPED", "CLOSED", "TRIPPED"]);
  });
});

describe("the other conditions", () => {
  it("loops: M looping runs within T minutes, through ingestion", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { condition: "LOOPS", params: { runs: 2, windowMinutes: 10 } });
    await ingest(loopingRun(agent));
    expect(await statusOf(agent)).toBe("ACTIVE");
    await ingest(loopingRun(agent));
    expect(await statusOf(agent)).toBe("TRIPPED");
    const [event] = await eventsOf(b.id);
    expect(event).toMatchObject({ kind: "TRIPPED", value: 2 });
    expect(event!.runIds).toHaveLength(2);
  });

  it("spend in the last hour, through ingestion (the bound, then the exact sum)", async () => {
    forgetSpendBaselines();
    const agent = await newAgent();
    const b = await newBreaker(agent, { condition: "SPEND_HOUR", params: { limitUsd: 1 }, mode: "OBSERVE", coolDownMinutes: 60 });
    await ingest(spend(agent, [0.3, 0.3]));
    await ingest(spend(agent, [0.3]));
    expect(await eventsOf(b.id)).toHaveLength(0);
    await ingest(spend(agent, [0.2]));
    const events = await eventsOf(b.id);
    expect(events.map((e) => e.kind)).toEqual(["WOULD_TRIP"]);
    expect(events[0]!.value).toBeCloseTo(1.1, 6);
    expect(events[0]!.message).toBe("Spent $1.10 in the last hour (limit $1.00).");
  });

  it("spend: the bound never hides a crossing made of many small batches", async () => {
    forgetSpendBaselines();
    const agent = await newAgent();
    const b = await newBreaker(agent, { condition: "SPEND_HOUR", params: { limitUsd: 0.5 } });
    for (let i = 0; i < 5; i++) await ingest(spend(agent, [0.1]));
    expect(await statusOf(agent)).toBe("ACTIVE"); // $0.50 is not above $0.50
    await ingest(spend(agent, [0.01]));
    expect(await statusOf(agent)).toBe("TRIPPED");
    expect((await eventsOf(b.id))[0]!.value).toBeCloseTo(0.51, 6);
  });

  it("escalations rejected K times in a row, by the sweep", async () => {
    const { agent: name, team } = await agentInTeam();
    const agent: TestAgent = { name, team, id: (await db.agent.findUniqueOrThrow({ where: { name } })).id };
    const compliance = await person("COMPLIANCE", "brk-compliance");
    const asker = await apiKey(["escalations:request"]);
    await newPolicy(compliance, unique("brk-policy"), { team, toolPattern: "erp.pay" });
    const b = await newBreaker(agent, { condition: "ESCALATIONS_REJECTED", params: { count: 2 } });
    const decide = async (verdict: "approve" | "reject") => {
      const e = await requestClearance(asker.actor, { agent: name, tool: "erp.pay", arguments: { amount: 1 } });
      await decideEscalation(compliance, { escalationId: e.id, verdict, comment: verdict });
    };
    await decide("reject");
    await decide("approve");
    await decide("reject");
    await sweepBreakers(db, new Date());
    expect(await statusOf(agent)).toBe("ACTIVE");
    expect((await breakerRow(b.id)).lastValue).toBe(1);
    await decide("reject");
    await sweepBreakers(db, new Date());
    expect(await statusOf(agent)).toBe("TRIPPED");
    expect((await eventsOf(b.id))[0]).toMatchObject({ kind: "TRIPPED", value: 2, message: "2 escalations rejected in a row (threshold 2)." });
  });

  it("a run running longer than L minutes, by the sweep", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { condition: "RUN_DURATION", params: { maxMinutes: 30 } });
    await ingest(runningRun(agent, 20));
    await sweepBreakers(db, new Date());
    expect(await statusOf(agent)).toBe("ACTIVE");
    expect((await breakerRow(b.id)).lastValue).toBeGreaterThan(19);
    await ingest(runningRun(agent, 45));
    await sweepBreakers(db, new Date());
    expect(await statusOf(agent)).toBe("TRIPPED");
    const [event] = await eventsOf(b.id);
    expect(event!.message).toMatch(/^1 run running longer than 30 minutes/);
  });
});

describe("half-open", () => {
  async function trippedHalfOpen() {
    const agent = await newAgent();
    const b = await newBreaker(agent, { ...TER, halfOpen: true, coolDownMinutes: 0 });
    await ingest(toolCalls(agent, "xxxxx"));
    expect(await statusOf(agent)).toBe("TRIPPED");
    const swept = await sweepBreakers(db, new Date());
    expect(swept.halfOpened).toBeGreaterThanOrEqual(1);
    expect(await statusOf(agent)).toBe("ACTIVE");
    expect(await readAgentStatus(agent.name)).toMatchObject({ status: "active", setBy: `breaker:${b.name}` });
    expect((await breakerRow(b.id)).state).toBe("HALF_OPEN");
    expect(await auditCount("breaker.half_open", b.id)).toBe(1);
    return { agent, b };
  }

  it("the run let through succeeds: the breaker closes", async () => {
    const { agent, b } = await trippedHalfOpen();
    await sweepBreakers(db, new Date()); // no run yet: still half-open
    expect((await breakerRow(b.id)).state).toBe("HALF_OPEN");
    await ingest(wholeRun(agent, "OK"));
    await sweepBreakers(db, new Date());
    const row = await breakerRow(b.id);
    expect(row).toMatchObject({ state: "CLOSED", probeRunId: null });
    expect((await eventsOf(b.id)).map((e) => e.kind)).toEqual(["TRIPPED", "HALF_OPEN", "CLOSED"]);
    expect(await auditCount("breaker.close", b.id)).toBe(1);
    expect(await statusOf(agent)).toBe("ACTIVE");
  });

  it("the run let through fails: the agent trips again", async () => {
    const { agent, b } = await trippedHalfOpen();
    await ingest(wholeRun(agent, "FAILED"));
    const swept = await sweepBreakers(db, new Date());
    expect(swept.retripped).toBe(1);
    expect(await statusOf(agent)).toBe("TRIPPED");
    expect((await breakerRow(b.id)).state).toBe("OPEN");
    const events = await eventsOf(b.id);
    expect(events.map((e) => e.kind)).toEqual(["TRIPPED", "HALF_OPEN", "TRIPPED"]);
    expect(events[2]!.message).toBe("Half-open test failed: the run let through failed; tripped again.");
    expect(await tripEvents(agent)).toBe(2);
  });

  it("failures while half-open trip it again at once, through ingestion", async () => {
    const { agent, b } = await trippedHalfOpen();
    await ingest(toolCalls(agent, "xxxxx"));
    expect(await statusOf(agent)).toBe("TRIPPED");
    expect((await breakerRow(b.id)).state).toBe("OPEN");
  });

  it("waits for the cool-down before the test", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { ...TER, halfOpen: true, coolDownMinutes: 10 });
    await ingest(toolCalls(agent, "xxxxx"));
    const opened = (await breakerRow(b.id)).stateChangedAt!;
    await sweepBreakers(db, new Date(opened.getTime() + 9 * 60_000));
    expect((await breakerRow(b.id)).state).toBe("OPEN");
    expect(await statusOf(agent)).toBe("TRIPPED");
    await sweepBreakers(db, new Date(opened.getTime() + 10 * 60_000));
    expect((await breakerRow(b.id)).state).toBe("HALF_OPEN");
    expect(await statusOf(agent)).toBe("ACTIVE");
  });
});

describe("two app instances", () => {
  it("the hook on the same batch in two concurrent transactions trips once", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { ...TER, enabled: false });
    const batch = { source: "native" as const, steps: toolCalls(agent, "xxxxxx") };
    const { ingestBatch } = await import("@/lib/telemetry/pipeline");
    const stored = await ingestBatch({ ...SYSTEM_ACTOR, label: "test" }, batch);
    await execute(updateBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, breakerId: b.id, changes: { enabled: true } });
    const instance = () =>
      db.$transaction(async (tx) => {
        const fired = await evaluateBatch({ tx, connection: null, batch, stored });
        // Hold the transaction open, as a slow ingest would: the other instance measures the same crossing meanwhile.
        await tx.$executeRaw`SELECT pg_sleep(0.2)`;
        return fired;
      });
    const results = await Promise.all([instance(), instance(), instance()]);
    expect(results.flat()).toHaveLength(1);
    expect(await tripEvents(agent)).toBe(1);
    expect(await auditCount("agent.trip", agent.id)).toBe(1);
    expect((await eventsOf(b.id)).map((e) => e.kind)).toEqual(["TRIPPED"]);
  });

  it("observe mode: concurrent crossing batches record one would-trip", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { ...TER, mode: "OBSERVE", coolDownMinutes: 0 });
    await ingest(toolCalls(agent, "xxxx"));
    // Each of these crosses on its own; they arrive at once.
    await Promise.all(Array.from({ length: 4 }, () => ingest(toolCalls(agent, "x"))));
    // The firing restarts the window, so what one counted the others cannot count again.
    expect((await eventsOf(b.id)).map((e) => e.kind)).toEqual(["WOULD_TRIP"]);
    expect(await auditCount("breaker.would_trip", b.id)).toBe(1);
  });

  it("concurrent ingestion of crossing batches trips once, within a second of the spans being acknowledged", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, TER);
    // Each batch crosses on its own; they arrive at once, each holding the agent's row (its runs' foreign key) until it
    // commits, so the first to cross may find the row busy and hand the trip over to fire the moment it commits.
    await Promise.all(Array.from({ length: 6 }, () => ingest(toolCalls(agent, "xxxxx"))));
    const acknowledged = performance.now();
    let status = await readAgentStatus(agent.name);
    while (status.status !== "tripped" && performance.now() - acknowledged < 1000) {
      await new Promise((r) => setTimeout(r, 10));
      status = await readAgentStatus(agent.name);
    }
    expect(status.status).toBe("tripped");
    expect(performance.now() - acknowledged).toBeLessThan(1000);
    // Give any other handed-over firing time to finish: still one trip.
    await new Promise((r) => setTimeout(r, 300));
    await sweepBreakers(db, new Date());
    expect(await tripEvents(agent)).toBe(1);
    expect((await eventsOf(b.id)).filter((e) => e.kind === "TRIPPED")).toHaveLength(1);
  });

  it("two sweeps at once half-open and close a breaker once each", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { ...TER, halfOpen: true, coolDownMinutes: 0 });
    await ingest(toolCalls(agent, "xxxxx"));
    await Promise.all([sweepBreakers(db, new Date()), sweepBreakers(db, new Date())]);
    expect(await auditCount("breaker.half_open", b.id)).toBe(1);
    await ingest(wholeRun(agent, "OK"));
    await Promise.all([sweepBreakers(db, new Date()), sweepBreakers(db, new Date())]);
    expect(await auditCount("breaker.close", b.id)).toBe(1);
    expect((await eventsOf(b.id)).map((e) => e.kind)).toEqual(["TRIPPED", "HALF_OPEN", "CLOSED"]);
  });

  it("the sweep beside a batch: the crossing fires once", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { ...TER, enabled: false });
    await ingest(toolCalls(agent, "xxxxx"));
    await execute(updateBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, breakerId: b.id, changes: { enabled: true } });
    await Promise.all([sweepBreakers(db, new Date()), ingest(toolCalls(agent, "x")), sweepBreakers(db, new Date())]);
    expect(await tripEvents(agent)).toBe(1);
  });
});

describe("a busy agent row", () => {
  it("a concurrent ingest transaction's foreign-key lock on the agent does not delay the trip: it commits with the spans", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, TER);
    // What a concurrent ingest transaction that inserted a run of this agent holds until it commits (the foreign key check).
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "Agent" WHERE "id" = $1 FOR KEY SHARE`, [agent.id]);
      await ingest(toolCalls(agent, "xxxxx"));
      expect(await statusOf(agent)).toBe("TRIPPED");
      await holder.query("COMMIT");
    } finally {
      await holder.end();
    }
    expect((await eventsOf(b.id)).map((e) => e.kind)).toEqual(["TRIPPED"]);
  });

  it("a trip whose agent row another status change holds is handed over, and fires the moment that one commits", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, TER);
    // What a person's pause or resume holds on the row while its transaction is open.
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "Agent" WHERE "id" = $1 FOR NO KEY UPDATE`, [agent.id]);
      const started = performance.now();
      await ingest(toolCalls(agent, "xxxxx"));
      // Ingestion did not wait for the row: the trip was handed over.
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await statusOf(agent)).toBe("ACTIVE");
      await holder.query("COMMIT");
    } finally {
      await holder.end();
    }
    const released = performance.now();
    while ((await statusOf(agent)) !== "TRIPPED" && performance.now() - released < 1000) await new Promise((r) => setTimeout(r, 10));
    expect(await statusOf(agent)).toBe("TRIPPED");
    expect(performance.now() - released).toBeLessThan(1000);
    expect((await eventsOf(b.id)).map((e) => e.kind)).toEqual(["TRIPPED"]);
    expect(await auditCount("agent.trip", agent.id)).toBe(1);
  });
});

describe("what does not count", () => {
  it("a paused agent is not tripped by an enforcing breaker; a disabled breaker does nothing", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, TER);
    const off = await newBreaker(agent, { ...TER, mode: "OBSERVE", enabled: false });
    await execute(setAgentStatusCommand, SYSTEM_ACTOR, { agent: agent.name, status: "PAUSED", reason: "investigating" });
    await ingest(toolCalls(agent, "xxxxxx"));
    expect(await statusOf(agent)).toBe("PAUSED");
    expect(await eventsOf(b.id)).toHaveLength(0);
    expect(await eventsOf(off.id)).toHaveLength(0);
  });

  it("other agents' telemetry and a breaker whose params do not fit are left alone", async () => {
    const agent = await newAgent();
    const other = await newAgent();
    const b = await newBreaker(agent, TER);
    // A row written by hand with params that fit no condition: never evaluated.
    await db.breaker.create({ data: { agentId: other.id, name: unique("hand"), condition: "TOOL_ERROR_RATE", params: { window: "ten" }, mode: "ENFORCE" } });
    const { forgetBreakersHere } = await import("./cache");
    forgetBreakersHere();
    await ingest(toolCalls(other, "xxxxxxxx"));
    expect(await statusOf(other)).toBe("ACTIVE");
    expect(await statusOf(agent)).toBe("ACTIVE");
    expect(await eventsOf(b.id)).toHaveLength(0);
  });
});
