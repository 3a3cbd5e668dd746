/**
 * The demo goes through the real ingestion into the real database and shows
 * what it promises: a loop, a failed tool call followed by another step,
 * unpriced steps with no cost (never $0), priced steps costed at the seeded
 * prices, a stalled run, runs waiting for clearance; re-sending adds nothing.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { SEED_PRICES } from "@/lib/spend/prices/seed";
import { computeCost, loadPriceTable } from "@/lib/spend/prices/pricing";
import { DEMO_RUNS, seedIfEmpty } from "@/prisma/seed";
import { ensureDatabase } from "@/scripts/lib/embedded-postgres";
import { migrateDeploy } from "@/scripts/lib/prisma-cli";
import { generateRuns } from "./generator";
import { sendDemo } from "./send";

const NOW = Date.now();
const options = { runs: 20, days: 30, seed: 4242, now: NOW };
const expected = [...generateRuns(options)];
const traceIds = expected.map((r) => r.traceId);
let seedSeconds = 0;

async function storedSteps() {
  return db.step.findMany({ where: { traceId: { in: traceIds } }, orderBy: [{ traceId: "asc" }, { startedAt: "asc" }] });
}

// A database of its own: the demo's agents, teams and prices would change what other test files expect.
const DEMO_DATABASE = "flightdeck_demo_test";

beforeAll(async () => {
  const adminUrl = new URL(inject("adminDatabaseUrl"));
  await ensureDatabase(adminUrl.toString(), DEMO_DATABASE, { fresh: true });
  adminUrl.pathname = `/${DEMO_DATABASE}`;
  await migrateDeploy(adminUrl.toString(), true);
  await disconnectDb();
  process.env.DATABASE_URL = adminUrl.toString();

  // The whole demo seed of a fresh install, timed: it runs on every first start.
  const started = performance.now();
  expect(await seedIfEmpty(() => {})).toBe(true);
  seedSeconds = (performance.now() - started) / 1000;

  const summary = await sendDemo({ ...options, spansPerRequest: 50 });
  expect(summary.errors).toEqual([]);
  expect(summary.rejectedSpans).toBe(0);
  expect(summary.runs).toBe(20);
}, 60_000);

describe("the demo seed of an empty database", () => {
  it("creates the demo users, the price table and the demo runs, fast", async () => {
    expect(await db.user.count()).toBe(5);
    expect(await db.modelPrice.count()).toBe(SEED_PRICES.length);
    expect(await db.run.count({ where: { traceId: { notIn: traceIds } } })).toBe(DEMO_RUNS);
    expect(await db.step.count({ where: { unpriced: true } })).toBeGreaterThan(0);
    expect(Number((await db.run.aggregate({ _sum: { costUsd: true } }))._sum.costUsd)).toBeGreaterThan(0);
    expect(await db.setting.findUnique({ where: { key: "redaction.enabled" } })).toBeNull();
    expect(seedSeconds).toBeLessThan(20);
    expect(await seedIfEmpty(() => {})).toBe(false);
  });

  it("fills the prompt registry and agent configurations through change control, with work waiting for compliance", async () => {
    const production = await db.promptLabel.findFirstOrThrow({ where: { prompt: { name: "invoice-reconcile" }, name: "production" }, include: { version: true } });
    expect(production.version.version).toBe(4);
    const moves = await db.promptLabelMove.findMany({ where: { prompt: { name: "invoice-reconcile" } }, orderBy: { movedAt: "asc" } });
    expect(moves.map((m) => m.version)).toEqual([3, 4]);
    // Backdated to the rollout inside the demo period, so the drift chart's marker sits where the versions switch.
    expect(moves[1]!.movedAt.getTime()).toBeLessThan(Date.now() - 86_400_000);
    expect(await db.change.count({ where: { status: "PENDING" } })).toBe(2);
    expect(await db.agent.count({ where: { currentConfigId: { not: null } } })).toBe(4);
  });

  it("sets demo budgets as finance: the organisation, every team, and a hard cap on one agent", async () => {
    const budgets = await db.budget.findMany({ include: { team: true, agent: true } });
    expect(budgets.filter((b) => b.scope === "GLOBAL")).toHaveLength(1);
    expect(budgets.filter((b) => b.scope === "TEAM").length).toBe(await db.team.count());
    expect(budgets.filter((b) => b.scope === "AGENT" && b.hardCap).map((b) => b.agent?.name)).toEqual(["supplier-negotiator"]);
    const changes = await db.change.findMany({ where: { kind: "BUDGET" } });
    expect(changes.every((c) => c.status === "APPLIED" && c.proposedByName === "finance@flightdeck.local")).toBe(true);
  });

  it("gives every demo agent a runbook and breakers as the ops lead, and leaves the KPI monitor paused with its reason", async () => {
    const agents = await db.agent.findMany({ where: { name: { in: ["invoice-reconciler", "supplier-negotiator", "ticket-router", "kpi-monitor"] } }, include: { breakers: true } });
    expect(agents).toHaveLength(4);
    for (const agent of agents) {
      expect(agent.runbook, agent.name).toMatch(/^## /);
      expect(await db.runbookVersion.count({ where: { targetType: "AGENT", targetId: agent.id } })).toBe(1);
      expect(agent.breakers.map((b) => b.name)).toEqual(expect.arrayContaining(["Tool errors", "Runaway spend"]));
    }
    const kpi = agents.find((a) => a.name === "kpi-monitor")!;
    expect(kpi).toMatchObject({ status: "PAUSED", statusSetBy: "ops@flightdeck.local" });
    expect(kpi.statusReason).toContain("analyst model hung");
    expect(agents.filter((a) => a.status !== "ACTIVE")).toHaveLength(1);
    expect(await db.auditEvent.count({ where: { action: "agent.pause", targetId: kpi.id } })).toBe(1);
  });
});

describe("a small demo through ingestion", () => {
  it("stores every run and every span once", async () => {
    const runs = await db.run.findMany({ where: { traceId: { in: traceIds } } });
    expect(runs).toHaveLength(20);
    const steps = await storedSteps();
    expect(steps).toHaveLength(expected.reduce((n, r) => n + r.spans.length, 0));
    const teams = await db.team.findMany({ where: { name: { in: ["Finance Ops", "Procurement", "Customer Support", "Operations"] } } });
    expect(teams.length).toBeGreaterThanOrEqual(3);
  });

  it("has a looping run: the same tool with the same arguments at least four times", async () => {
    const loopTrace = expected.find((r) => r.variant === "loop")!.traceId;
    const calls = (await storedSteps()).filter((s) => s.traceId === loopTrace && s.kind === "TOOL_CALL");
    const counts = new Map<string, number>();
    for (const c of calls) {
      const key = `${c.tool}|${JSON.stringify(c.arguments)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(Math.max(...counts.values())).toBeGreaterThanOrEqual(4);
    expect([...counts.keys()].some((k) => k.startsWith("email.read_inbox|"))).toBe(true);
  });

  it("follows a failed tool call with another step of the same run", async () => {
    const steps = await storedSteps();
    const failed = steps.filter((s) => s.kind === "TOOL_CALL" && s.status === "FAILED");
    expect(failed.length).toBeGreaterThanOrEqual(3);
    for (const f of failed) {
      expect(f.error).toBeTruthy();
      const after = steps.filter((s) => s.runId === f.runId && s.startedAt > f.startedAt && s.parentSpanId !== null);
      expect(after.length).toBeGreaterThan(0);
    }
  });

  it("stores the unpriced model's steps with NULL cost, marked unpriced; priced steps at the seeded price", async () => {
    const steps = await storedSteps();
    const unpriced = steps.filter((s) => s.model === "acme-ops-llm-13b");
    expect(unpriced.length).toBeGreaterThan(0);
    for (const s of unpriced) {
      expect(s.costUsd).toBeNull();
      expect(s.unpriced).toBe(true);
    }
    const priced = steps.filter((s) => s.kind === "LLM_CALL" && s.model !== "acme-ops-llm-13b");
    expect(priced.length).toBeGreaterThan(10);
    const table = await loadPriceTable(db);
    for (const s of priced) {
      expect(s.unpriced).toBe(false);
      const price = table.find(s.model!, s.startedAt);
      expect(price).not.toBeNull();
      const cost = computeCost(price!, { inputTokens: s.inputTokens!, outputTokens: s.outputTokens!, cachedInputTokens: s.cachedInputTokens ?? 0 });
      expect(Number(s.costUsd)).toBeCloseTo(cost, 9);
      expect(cost).toBeGreaterThan(0);
    }
    const runs = await db.run.findMany({ where: { traceId: { in: traceIds } } });
    const total = runs.reduce((sum, r) => sum + Number(r.costUsd), 0);
    const stepTotal = priced.reduce((sum, s) => sum + Number(s.costUsd), 0);
    expect(total).toBeCloseTo(stepTotal, 6);
  });

  it("leaves the stalled run and the runs awaiting clearance open; finished runs carry their outcome", async () => {
    const byTrace = new Map((await db.run.findMany({ where: { traceId: { in: traceIds } } })).map((r) => [r.traceId, r]));
    const stalled = byTrace.get(expected.find((r) => r.variant === "stalled")!.traceId)!;
    expect(stalled.endedAt).toBeNull();
    expect(NOW - stalled.lastStepAt.getTime()).toBeGreaterThan(30 * 60_000);
    for (const run of expected.filter((r) => r.variant === "escalation_pending")) {
      const stored = byTrace.get(run.traceId)!;
      expect(stored.endedAt).toBeNull();
      const escalation = await db.step.findFirst({ where: { runId: stored.id, kind: "ESCALATION" } });
      expect(escalation?.name).toBe("escalation.request");
    }
    const goodTextBad = byTrace.get(expected.find((r) => r.variant === "good_text_bad_outcome")!.traceId)!;
    expect(goodTextBad.outcome).toBe("FAILURE");
    expect(goodTextBad.outcomeImpact).toBeTruthy();
    const badTextGood = byTrace.get(expected.find((r) => r.variant === "bad_text_good_outcome")!.traceId)!;
    expect(badTextGood.outcome).toBe("SUCCESS");
  });

  it("stores decisions with alternatives and messages in the GenAI shape", async () => {
    const steps = await storedSteps();
    const decision = steps.find((s) => s.kind === "DECISION")!;
    expect(decision.decision).toMatchObject({ chosen: expect.any(String), rationale: expect.any(String), confidence: expect.any(Number) });
    expect(Array.isArray((decision.decision as { alternatives: unknown }).alternatives)).toBe(true);
    const llm = steps.find((s) => s.kind === "LLM_CALL")!;
    expect(Array.isArray(llm.inputMessages)).toBe(true);
    expect(llm.promptName).toBeTruthy();
    expect(llm.promptVersion).toBeGreaterThan(0);
  });

  it("has a judge's output scores, so every output × outcome quadrant can be found", async () => {
    const scored = await db.run.findMany({ where: { outputScore: { not: null } }, select: { outputScore: true, outcome: true } });
    expect(scored.length).toBeGreaterThan(DEMO_RUNS / 2);
    const quadrant = (good: boolean, outcome: "SUCCESS" | "FAILURE") =>
      scored.filter((r) => (r.outputScore! >= 0.5) === good && r.outcome === outcome).length;
    expect(quadrant(true, "FAILURE")).toBeGreaterThan(0); // good text, wrong action
    expect(quadrant(false, "SUCCESS")).toBeGreaterThan(0); // clumsy text, right action
    expect(quadrant(true, "SUCCESS")).toBeGreaterThan(0);
    expect(quadrant(false, "FAILURE")).toBeGreaterThan(0);
  });

  it("stores nothing new when the same demo is sent again", async () => {
    const evaluationsBefore = await db.evaluation.count();
    const before = await db.step.count({ where: { traceId: { in: traceIds } } });
    const costBefore = await db.run.aggregate({ where: { traceId: { in: traceIds } }, _sum: { costUsd: true } });
    await sendDemo({ ...options, spansPerRequest: 500 });
    expect(await db.step.count({ where: { traceId: { in: traceIds } } })).toBe(before);
    const costAfter = await db.run.aggregate({ where: { traceId: { in: traceIds } }, _sum: { costUsd: true } });
    expect(Number(costAfter._sum.costUsd)).toBeCloseTo(Number(costBefore._sum.costUsd), 9);
    expect(await db.evaluation.count()).toBe(evaluationsBefore);
  });
});
