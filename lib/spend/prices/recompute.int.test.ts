/**
 * Re-pricing unpriced calls against the real database: calls stored through
 * real ingestion with no price, a price added, a re-pricing queued (audited,
 * admins only) and the job's body run; the result must be exactly what
 * ingestion stores when the price exists beforehand (the same calls ingested
 * into a second agent with the price in place), under re-runs, two job bodies
 * at once and ingestion running alongside.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import type { RoleName } from "@/lib/enums";
import { ingestSpans } from "@/lib/telemetry/ingest";
import { decodeOtlpJson } from "@/lib/telemetry/otlp";
import { otlpRequest, randomTraceId, type SpanSpec } from "@/tests/factories/otlp";
import { appErrorOf } from "@/tests/support/app-error";
import { createModelPrice, queuePriceRecompute } from "./commands";
import { getPriceRecompute, getPriceRecomputeOverview } from "./queries";
import { countUnpricedCalls, priceRecomputeJob, workPriceRecomputes } from "./recompute";

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
// Models, agents and teams of this file only: other files share the database.
const fam = `reprice-${hex(3)}`;
const ingestActor: Actor = { type: "SYSTEM", label: "reprice test" };
let admin: Actor;

interface Call {
  spanId: string;
  at: Date;
  model: string;
  input: number;
  output: number;
  cached: number;
  prompt: [string, number] | null;
}

interface TraceSpec {
  calls: Call[];
}

const ROOT_SPAN = "f".repeat(16);
let spanCounter = 0;

function call(at: string, model: string, over: Partial<Call> = {}): Call {
  const n = ++spanCounter;
  return { spanId: n.toString(16).padStart(16, "0"), at: new Date(at), model, input: 1_000 + n * 7, output: 200 + n * 3, cached: n % 3 === 0 ? 300 : 0, prompt: null, ...over };
}

/** An agent's trace: a root span (with `withRoot`) and one LLM call span per call. */
function spansOf(trace: TraceSpec, traceId: string, agent: string, team: string, withRoot: boolean, callAgent?: (c: Call) => string): SpanSpec[] {
  const times = trace.calls.map((c) => c.at.getTime());
  const root: SpanSpec = {
    traceId,
    spanId: ROOT_SPAN,
    name: `invoke_agent ${agent}`,
    start: new Date(Math.min(...times) - 1_000),
    end: new Date(Math.max(...times) + 5_000),
    attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent, "flightdeck.team": team },
  };
  const calls = trace.calls.map(
    (c): SpanSpec => ({
      traceId,
      spanId: c.spanId,
      parentSpanId: ROOT_SPAN,
      name: `chat ${c.model}`,
      start: c.at,
      end: new Date(c.at.getTime() + 2_000),
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": c.model,
        "gen_ai.usage.input_tokens": c.input,
        "gen_ai.usage.output_tokens": c.output,
        ...(c.cached ? { "gen_ai.usage.cache_read.input_tokens": c.cached } : {}),
        "gen_ai.agent.name": callAgent ? callAgent(c) : agent,
        "flightdeck.team": team,
        ...(c.prompt ? { "flightdeck.prompt.name": c.prompt[0], "flightdeck.prompt.version": c.prompt[1] } : {}),
      },
    }),
  );
  return withRoot ? [root, ...calls] : calls;
}

async function ingest(spans: SpanSpec[]): Promise<void> {
  const result = await ingestSpans(ingestActor, decodeOtlpJson(otlpRequest(spans)));
  expect(result.rejectedSpans, result.errorMessage).toBe(0);
}

/** Ingests each trace under a fresh trace id for `agent`; returns the ids in order. */
async function ingestAgent(agent: string, team: string, traces: TraceSpec[], callAgent?: (c: Call) => string): Promise<string[]> {
  const ids = traces.map(() => randomTraceId());
  await ingest(traces.flatMap((t, i) => spansOf(t, ids[i]!, agent, team, true, callAgent)));
  return ids;
}

const ctx = () => ({ now: new Date(), signal: new AbortController().signal });

/** Runs the job's body until the recompute is finished (other queued ones are worked first). */
async function runUntilFinished(id: string, run = () => priceRecomputeJob.run(ctx())): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await db.priceRecompute.findUniqueOrThrow({ where: { id } });
    if (r.status === "DONE" || r.status === "FAILED") return;
    await run();
  }
  throw new Error("The recompute did not finish.");
}

const usd = (d: { toFixed(n: number): string } | null) => (d === null ? null : d.toFixed(9));

/** Everything a re-pricing may change for one agent, without its ids: comparable with another agent's. */
async function snapshot(agentName: string, traceIds: string[]) {
  const agent = await db.agent.findUniqueOrThrow({ where: { name: agentName } });
  const runs = [];
  for (const traceId of traceIds) {
    const run = await db.run.findUniqueOrThrow({ where: { traceId }, include: { steps: { orderBy: { spanId: "asc" } } } });
    runs.push({
      costUsd: usd(run.costUsd),
      unpricedCount: run.unpricedCount,
      tokens: [Number(run.inputTokens), Number(run.outputTokens), Number(run.cachedInputTokens)],
      stepCount: run.stepCount,
      steps: run.steps.map((s) => [s.spanId, s.model, usd(s.costUsd), s.unpriced]),
    });
  }
  const daily = await db.spendDaily.findMany({
    where: { agentId: agent.id },
    orderBy: [{ day: "asc" }, { model: "asc" }, { promptName: "asc" }, { promptVersion: "asc" }],
  });
  const monthly = await db.spendMonthly.findMany({ where: { agentId: agent.id }, orderBy: { month: "asc" } });
  return {
    runs,
    daily: daily.map((d) => ({
      day: d.day.toISOString().slice(0, 10),
      model: d.model,
      prompt: `${d.promptName}@${d.promptVersion}`,
      calls: d.calls,
      unpricedCalls: d.unpricedCalls,
      tokens: [Number(d.inputTokens), Number(d.outputTokens), Number(d.cachedInputTokens)],
      costUsd: usd(d.costUsd),
    })),
    monthly: monthly.map((m) => ({ month: m.month.toISOString().slice(0, 10), calls: m.calls, unpricedCalls: m.unpricedCalls, costUsd: usd(m.costUsd) })),
  };
}

/** Sum of the step costs of these traces, in USD with 9 decimals. */
async function stepCostSum(traceIds: string[]): Promise<string> {
  const [row] = await db.$queryRaw<{ sum: string }[]>`
    SELECT COALESCE(SUM(s."costUsd"), 0)::numeric(20, 9)::text AS sum FROM "Step" s JOIN "Run" r ON r.id = s."runId" WHERE r."traceId" = ANY(${traceIds})`;
  return row!.sum;
}

async function userActor(role: RoleName): Promise<Actor> {
  const user = await db.user.create({ data: { email: `${fam}-${role.toLowerCase()}-${hex(3)}@example.com`, role } });
  return { type: "USER", id: user.id, label: user.email };
}

beforeAll(async () => {
  admin = await userActor("ADMIN");
});

describe("re-pricing unpriced calls", () => {
  const large = `${fam}-large`;
  const other = `${fam}-other`;
  // Two months, two prices of the pattern (March, then April), calls before either, other prompts, an unknown model.
  const traces: TraceSpec[] = [
    { calls: [call("2025-02-20T10:00:00Z", large), call("2025-03-05T09:00:00Z", large, { prompt: ["triage", 1] }), call("2025-03-05T09:01:00Z", other)] },
    { calls: [call("2025-03-05T11:00:00Z", large, { prompt: ["triage", 1] }), call("2025-03-05T11:00:30Z", `vendor/${large}-2025-03-01`)] },
    { calls: [call("2025-03-31T23:59:59Z", large), call("2025-04-01T00:00:00Z", large), call("2025-04-01T00:00:01Z", large, { prompt: ["triage", 2] })] },
    { calls: [call("2025-04-15T08:00:00Z", large, { cached: 900 }), call("2025-04-15T08:00:10Z", other), call("2025-02-28T23:59:59Z", large)] },
  ];
  const matching = traces.flatMap((t) => t.calls).filter((c) => c.model !== other);
  const beforeAnyPrice = matching.filter((c) => c.at < new Date("2025-03-01T00:00:00Z"));
  let subjectIds: string[];
  let referenceIds: string[];
  let recomputeId: string;

  beforeAll(async () => {
    subjectIds = await ingestAgent(`${fam}-subject`, `${fam}-team-s`, traces);
    expect((await countUnpricedCalls(db, `${large}*`)).calls).toBe(matching.length);
    await createModelPrice(admin, { model: "Reprice Large", matchPattern: `${large}*`, inputPerMillion: 1, outputPerMillion: 2, cachedInputPerMillion: 0.5, effectiveFrom: new Date("2025-03-01T00:00:00Z") });
    await createModelPrice(admin, { model: "Reprice Large", matchPattern: `${large}*`, inputPerMillion: 3, outputPerMillion: 6, cachedInputPerMillion: null, effectiveFrom: new Date("2025-04-01T00:00:00Z") });
    // What ingestion stores when the prices are there: the reference.
    referenceIds = await ingestAgent(`${fam}-reference`, `${fam}-team-r`, traces);
  });

  it("counts the unpriced calls apart, with a null cost, before the price exists", async () => {
    const before = await snapshot(`${fam}-subject`, subjectIds);
    const llmCalls = before.runs.flatMap((r) => r.steps).filter((s) => s[1] !== null);
    expect(llmCalls.filter((s) => s[3] === true)).toHaveLength(matching.length + 2);
    expect(llmCalls.every((s) => s[3] === true && s[2] === null)).toBe(true);
    expect(before.daily.reduce((n, d) => n + d.unpricedCalls, 0)).toBe(matching.length + 2);
    const overview = await getPriceRecomputeOverview();
    expect(overview.unpriced.models).toEqual(expect.arrayContaining([{ model: other, calls: 4, priced: false }]));
  });

  it("queues (audited), re-prices with the price in force at each call's start, and ends where ingestion with the price would have", async () => {
    // Settings marks the models a price now covers (at their latest unpriced call), and offers to re-price.
    const { models } = (await getPriceRecomputeOverview()).unpriced;
    expect(models.filter((m) => m.model?.includes(large))).toEqual([
      { model: large, calls: matching.length - 1 + beforeAnyPrice.length, priced: true },
      { model: `vendor/${large}-2025-03-01`, calls: 1, priced: true },
    ]);
    expect(models.find((m) => m.model === other)?.priced).toBe(false);
    const queued = await queuePriceRecompute(admin, { matchPattern: `${large}*` });
    recomputeId = queued.id;
    // The subject's calls and the reference's calls from before any price: both unpriced, both covered.
    expect(queued).toMatchObject({ status: "QUEUED", total: matching.length + beforeAnyPrice.length, done: 0, requestedById: admin.id, requestedByName: admin.label });
    const event = await db.auditEvent.findFirst({ where: { action: "model_price.recompute", targetId: queued.id } });
    expect(event).toMatchObject({ actorType: "USER", actorId: admin.id, targetType: "price_recompute" });
    expect(event?.after).toMatchObject({ status: "QUEUED", matchPattern: `${large}*`, total: queued.total });

    const summary = await priceRecomputeJob.run(ctx());
    expect(summary).toMatchObject({ repriced: matching.length - beforeAnyPrice.length, finished: 1 });
    await runUntilFinished(queued.id);

    const subject = await snapshot(`${fam}-subject`, subjectIds);
    const reference = await snapshot(`${fam}-reference`, referenceIds);
    expect(subject).toEqual(reference);
    // Calls before the first price's effective date stay unpriced, never $0.
    const early = subject.runs.flatMap((r) => r.steps).filter((s) => beforeAnyPrice.some((c) => c.spanId === s[0]));
    expect(early.map((s) => [s[2], s[3]])).toEqual(beforeAnyPrice.map(() => [null, true]));

    const done = await getPriceRecompute(queued.id);
    expect(done).toMatchObject({
      status: "DONE",
      total: matching.length + beforeAnyPrice.length,
      done: matching.length + beforeAnyPrice.length,
      repriced: matching.length - beforeAnyPrice.length,
      stillUnpriced: 2 * beforeAnyPrice.length,
      error: null,
    });
    expect(done?.startedAt).toBeInstanceOf(Date);
    expect(done?.finishedAt).toBeInstanceOf(Date);
    // The dollars added are the batches' audit events', and exactly what the calls now cost.
    const addedNano = Math.round((done?.addedUsd ?? 0) * 1e9);
    expect(addedNano).toBe(Math.round(Number(await stepCostSum(subjectIds)) * 1e9));
    const batches = await db.auditEvent.findMany({ where: { action: "model_price.reprice", targetId: queued.id } });
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b.actorType === "SYSTEM" && b.actorLabel === "price recompute")).toBe(true);
  });

  it("changes nothing when the job runs again", async () => {
    const before = await snapshot(`${fam}-subject`, subjectIds);
    const events = await db.auditEvent.count({ where: { targetId: recomputeId } });
    expect(await priceRecomputeJob.run(ctx())).toMatchObject({ batches: 0, repriced: 0 });
    expect(await snapshot(`${fam}-subject`, subjectIds)).toEqual(before);
    expect(await db.auditEvent.count({ where: { targetId: recomputeId } })).toBe(events);
    expect(await getPriceRecompute(recomputeId)).toMatchObject({ status: "DONE", repriced: matching.length - beforeAnyPrice.length });
  });
});

describe("who may queue a re-pricing, and when", () => {
  const lonely = `${fam}-lonely`;
  const third = `${fam}-third`;

  beforeAll(async () => {
    await ingestAgent(`${fam}-roles`, `${fam}-team-x`, [{ calls: [call("2025-06-01T10:00:00Z", lonely), call("2025-06-01T10:01:00Z", lonely)] }, { calls: [call("2025-06-02T10:00:00Z", third)] }]);
  });

  it("refuses every role but admin with the command's forbidden error, and records nothing", async () => {
    const before = { recomputes: await db.priceRecompute.count(), events: await db.auditEvent.count({ where: { action: "model_price.recompute" } }) };
    for (const role of ["OPS_LEAD", "COMPLIANCE", "FINANCE", "VIEWER"] as const) {
      const error = await appErrorOf(queuePriceRecompute(await userActor(role), { matchPattern: lonely }));
      expect(error.code).toBe("forbidden:admin");
      expect(error.message).toContain(role);
    }
    expect(await db.priceRecompute.count()).toBe(before.recomputes);
    expect(await db.auditEvent.count({ where: { action: "model_price.recompute" } })).toBe(before.events);
  });

  it("refuses a second re-pricing over the same calls while one is queued, queues disjoint ones, and refuses an empty one", async () => {
    const first = await queuePriceRecompute(admin, { matchPattern: lonely });
    expect(first.total).toBe(2);
    const overlap = await appErrorOf(queuePriceRecompute(admin, { matchPattern: `${fam}-lon*` }));
    expect(overlap.code).toBe("conflict:price_recompute");
    expect(overlap.message).toBe(`A re-pricing of “${lonely}” is already queued and covers some of these calls. Wait until it has finished, then re-price what is still unpriced.`);
    expect((await appErrorOf(queuePriceRecompute(admin, { matchPattern: null }))).code).toBe("conflict:price_recompute");
    const disjoint = await queuePriceRecompute(admin, { matchPattern: third });
    expect(disjoint.total).toBe(1);
    const empty = await appErrorOf(queuePriceRecompute(admin, { matchPattern: `${fam}-nothing-here` }));
    expect(empty.code).toBe("conflict:price_recompute_empty");

    // No price exists for these models: the job walks them and they stay unpriced.
    await runUntilFinished(first.id);
    await runUntilFinished(disjoint.id);
    expect(await getPriceRecompute(first.id)).toMatchObject({ status: "DONE", done: 2, repriced: 0, stillUnpriced: 2, addedUsd: 0 });
    expect(await db.auditEvent.count({ where: { action: "model_price.reprice", targetId: first.id } })).toBe(0);
    // Finished: the same calls may be queued again.
    await runUntilFinished((await queuePriceRecompute(admin, { matchPattern: `${fam}-lon*` })).id);
  });
});

describe("concurrency", () => {
  it("two job bodies at once, and two overlapping re-pricings at once, re-price each call once", async () => {
    const bulk = `${fam}-bulk`;
    const traces: TraceSpec[] = Array.from({ length: 50 }, (_, t) => ({
      calls: Array.from({ length: 50 }, (_, i) => call(new Date(Date.UTC(2025, 6, 1 + (t % 3), 8, 0, i)).toISOString(), bulk, { prompt: t % 2 ? ["bulk", 1] : null })),
    }));
    const ids = await ingestAgent(`${fam}-bulk-agent`, `${fam}-team-b`, traces);
    await createModelPrice(admin, { model: "Bulk", matchPattern: bulk, inputPerMillion: 0.7, outputPerMillion: 2.9, cachedInputPerMillion: 0.07, effectiveFrom: new Date("2025-01-01T00:00:00Z") });
    const referenceIds = await ingestAgent(`${fam}-bulk-reference`, `${fam}-team-br`, traces);
    const first = await queuePriceRecompute(admin, { matchPattern: bulk });
    expect(first.total).toBe(2_500);
    // The command refuses an overlapping one; inserted directly, it races the first over the same calls.
    const second = await db.priceRecompute.create({ data: { matchPattern: `${fam}-bul*`, total: 2_500, requestedByName: "test" } });

    const body = () => workPriceRecomputes({ now: new Date(), batchSize: 200 });
    for (let i = 0; i < 40; i++) {
      const states = await db.priceRecompute.findMany({ where: { id: { in: [first.id, second.id] } } });
      if (states.every((s) => s.status === "DONE")) break;
      await Promise.all([body(), body(), priceRecomputeJob.run(ctx())]);
    }
    const [a, b] = await Promise.all([getPriceRecompute(first.id), getPriceRecompute(second.id)]);
    expect([a?.status, b?.status]).toEqual(["DONE", "DONE"]);
    expect(a!.repriced + b!.repriced).toBe(2_500);
    expect(a!.stillUnpriced + b!.stillUnpriced).toBe(0);
    const added = Math.round((a!.addedUsd + b!.addedUsd) * 1e9);
    expect(added).toBe(Math.round(Number(await stepCostSum(ids)) * 1e9));
    expect(await snapshot(`${fam}-bulk-agent`, ids)).toEqual(await snapshot(`${fam}-bulk-reference`, referenceIds));
  });

  it("keeps the totals exact while ingestion adds calls to the same runs and rollup rows", async () => {
    const live = `${fam}-live`;
    const other = `${fam}-other`;
    const day = (d: number, s: number) => new Date(Date.UTC(2025, 7, d, 9, 0, s)).toISOString();
    // 2025-08-01 before the price, 08-02 and 08-03 after it.
    const initial: TraceSpec[] = Array.from({ length: 30 }, () => ({
      calls: Array.from({ length: 40 }, (_, i) => call(day(1 + (i % 3), i), live, { prompt: i % 4 === 0 ? ["live", 1] : null })),
    }));
    const ids = await ingestAgent(`${fam}-live-agent`, `${fam}-team-l`, initial);
    await createModelPrice(admin, { model: "Live", matchPattern: live, inputPerMillion: 1.1, outputPerMillion: 4.4, cachedInputPerMillion: 0.11, effectiveFrom: new Date("2025-08-02T00:00:00Z") });
    const recompute = await queuePriceRecompute(admin, { matchPattern: live });

    // While it runs: more calls into the same traces (priced now, unpriced before the price, an unknown model) and new traces.
    const more = initial.map((_trace, t) => ({ calls: [call(day(2, 50 + t), live), call(day(1, 50 + t), live), call(day(3, 50 + t), other)] }));
    const fresh: TraceSpec[] = Array.from({ length: 10 }, (_, t) => ({ calls: [call(day(2, t), live), call(day(1, t), live, { prompt: ["live", 1] })] }));
    const freshIds = fresh.map(() => randomTraceId());
    const ingestion = (async () => {
      for (let k = 0; k < 10; k++) {
        const spans = [
          ...more.slice(k * 3, k * 3 + 3).flatMap((trace, j) => spansOf(trace, ids[k * 3 + j]!, `${fam}-live-agent`, `${fam}-team-l`, false)),
          ...spansOf(fresh[k]!, freshIds[k]!, `${fam}-live-agent`, `${fam}-team-l`, true),
        ];
        await ingest(spans);
      }
    })();
    const job = (async () => {
      for (let i = 0; i < 100; i++) {
        const r = await db.priceRecompute.findUniqueOrThrow({ where: { id: recompute.id } });
        if (r.status !== "QUEUED" && r.status !== "RUNNING") return;
        await workPriceRecomputes({ now: new Date(), batchSize: 50 });
      }
    })();
    await Promise.all([ingestion, job]);
    await runUntilFinished(recompute.id);
    expect(await getPriceRecompute(recompute.id)).toMatchObject({ status: "DONE", error: null });

    // The reference: every call, ingested with the price in place.
    const all = initial.map((t, i) => ({ calls: [...t.calls, ...more[i]!.calls] }));
    const referenceIds = await ingestAgent(`${fam}-live-reference`, `${fam}-team-lr`, [...all, ...fresh]);
    const subject = await snapshot(`${fam}-live-agent`, [...ids, ...freshIds]);
    expect(subject).toEqual(await snapshot(`${fam}-live-reference`, referenceIds));
    // And the run totals agree with their steps.
    for (const run of subject.runs) {
      const cost = run.steps.reduce((sum, s) => sum + (s[2] === null ? 0 : Math.round(Number(s[2]) * 1e9)), 0);
      expect(Math.round(Number(run.costUsd) * 1e9)).toBe(cost);
      expect(run.unpricedCount).toBe(run.steps.filter((s) => s[3] === true).length);
    }
  });
});

describe("calls of a multi-agent trace", () => {
  it("land in rollup rows of their day, model and prompt that counted them, exact per day and model, never below zero", async () => {
    const multi = `${fam}-multi`;
    const traces: TraceSpec[] = Array.from({ length: 4 }, () => ({ calls: Array.from({ length: 6 }, (_, i) => call(`2025-09-01T10:00:0${i}Z`, multi)) }));
    // Every other call is the sub-agent's own (its span names it): ingestion counts it in the sub-agent's row.
    const subOf = (suffix: string) => (c: Call) => (parseInt(c.spanId, 16) % 2 ? `${fam}-sub${suffix}` : `${fam}-main${suffix}`);
    const ids = await ingestAgent(`${fam}-main`, `${fam}-team-m`, traces, subOf(""));
    await createModelPrice(admin, { model: "Multi", matchPattern: multi, inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: null, effectiveFrom: new Date("2025-01-01T00:00:00Z") });
    const referenceIds = await ingestAgent(`${fam}-main-ref`, `${fam}-team-mr`, traces, subOf("-ref"));
    await runUntilFinished((await queuePriceRecompute(admin, { matchPattern: multi })).id);

    const rows = async (agents: string[]) => {
      const found = await db.agent.findMany({ where: { name: { in: agents } }, select: { id: true } });
      return db.spendDaily.findMany({ where: { agentId: { in: found.map((a) => a.id) }, model: multi } });
    };
    const subject = await rows([`${fam}-main`, `${fam}-sub`]);
    const reference = await rows([`${fam}-main-ref`, `${fam}-sub-ref`]);
    const total = (list: typeof subject) => ({
      calls: list.reduce((n, r) => n + r.calls, 0),
      unpricedCalls: list.reduce((n, r) => n + r.unpricedCalls, 0),
      costNano: list.reduce((n, r) => n + Math.round(Number(r.costUsd) * 1e9), 0),
    });
    expect(total(subject)).toEqual(total(reference));
    expect(total(subject).unpricedCalls).toBe(0);
    expect(subject.every((r) => r.unpricedCalls >= 0)).toBe(true);
    expect((await snapshot(`${fam}-main`, ids)).runs).toEqual((await snapshot(`${fam}-main-ref`, referenceIds)).runs);
  });
});
