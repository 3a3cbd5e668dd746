/** Instruction drift and canary comparison against the real database, on constructed histories with known answers. */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { hex } from "@/tests/factories/runs";
import { appErrorOf } from "@/tests/support/app-error";
import { compareArms, compareCanaryLabels, labelMoves, promptDriftSeries, promptVersionStats, resolveDriftWindow } from "./drift";

const suffix = randomBytes(3).toString("hex");
const unique = (base: string) => `${base}-${suffix}-${randomBytes(2).toString("hex")}`;
const at = (iso: string) => new Date(iso);

/** A prompt with versions 1..n, straight to the database. */
async function createPrompt(versions = 3) {
  const name = unique("drift");
  const prompt = await db.prompt.create({
    data: {
      name,
      versions: { create: Array.from({ length: versions }, (_, i) => ({ version: i + 1, template: `v${i + 1} says {{x}}`, createdByName: "test" })) },
    },
    include: { versions: { orderBy: { version: "asc" } } },
  });
  return { name, id: prompt.id, versionId: (v: number) => prompt.versions[v - 1]!.id };
}

interface CallSpec {
  version: number | null;
  /** After the run's start. */
  atMs?: number;
  failed?: boolean;
  input?: number;
  output?: number;
  cached?: number;
  /** null: unpriced. */
  cost?: number | null;
  scores?: { score: number; source?: "HUMAN" | "HEURISTIC"; atMs?: number }[];
  prompt?: string;
  kind?: "LLM_CALL" | "TOOL_CALL";
}

interface RunSpec {
  outcome: "SUCCESS" | "FAILURE" | "UNKNOWN";
  at: Date;
  calls: CallSpec[];
}

/** Runs, their LLM calls and the calls' output scores, in three bulk inserts. */
async function seed(prompt: string, runs: RunSpec[]) {
  const traceIds = runs.map(() => hex(16));
  const created = await db.run.createManyAndReturn({
    data: runs.map((r, i) => ({ traceId: traceIds[i]!, name: `drift run ${i}`, status: "SUCCEEDED" as const, startedAt: r.at, lastStepAt: r.at, outcome: r.outcome })),
    select: { id: true, traceId: true },
  });
  const runIdOf = new Map(created.map((r) => [r.traceId, r.id]));
  const calls = runs.flatMap((r, i) =>
    r.calls.map((c, j) => {
      const startedAt = new Date(r.at.getTime() + (c.atMs ?? j * 1000));
      return {
        spec: c,
        startedAt,
        row: {
          runId: runIdOf.get(traceIds[i]!)!,
          traceId: traceIds[i]!,
          spanId: hex(8),
          kind: c.kind ?? ("LLM_CALL" as const),
          name: "chat",
          status: c.failed ? ("FAILED" as const) : ("OK" as const),
          startedAt,
          promptName: c.prompt ?? prompt,
          promptVersion: c.version,
          inputTokens: c.input ?? 100,
          outputTokens: c.output ?? 20,
          cachedInputTokens: c.cached ?? 0,
          costUsd: c.cost === null ? null : (c.cost ?? 0.01),
          unpriced: c.cost === null,
        },
      };
    }),
  );
  const steps = await db.step.createManyAndReturn({ data: calls.map((c) => c.row), select: { id: true, spanId: true, runId: true } });
  const stepOf = new Map(steps.map((s) => [s.spanId, s]));
  const evaluations = calls.flatMap((c) =>
    (c.spec.scores ?? []).map((s, k) => ({
      runId: c.row.runId,
      stepId: stepOf.get(c.row.spanId)!.id,
      kind: "OUTPUT" as const,
      source: s.source ?? ("HEURISTIC" as const),
      name: `score-${k}`,
      score: s.score,
      createdAt: new Date(c.startedAt.getTime() + (s.atMs ?? 60_000 + k)),
    })),
  );
  if (evaluations.length) await db.evaluation.createMany({ data: evaluations });
}

async function moveLabel(promptId: string, name: string, label: string, movedAt: Date, move: { version: number | null; fromVersion?: number | null; canaryVersion?: number; canaryWeight?: number }) {
  const change = await db.change.create({
    data: {
      kind: "PROMPT_LABEL",
      status: "APPLIED",
      targetType: "prompt_label",
      targetId: `${name}:${label}`,
      title: `Move ${label}`,
      after: {},
      proposedByName: "ops@example.com",
      proposedAt: movedAt,
      appliedAt: movedAt,
    },
  });
  return db.promptLabelMove.create({
    data: {
      promptId,
      label,
      version: move.version,
      fromVersion: move.fromVersion ?? null,
      canaryVersion: move.canaryVersion ?? null,
      canaryWeight: move.canaryWeight ?? null,
      changeId: change.id,
      movedByName: "ops@example.com",
      movedAt,
    },
  });
}


const JUNE = { from: at("2025-06-01T00:00:00Z"), to: at("2025-06-08T00:00:00Z") };

describe("promptVersionStats", () => {
  it("counts calls, errors, tokens, cost, scores, runs and outcomes per version on a constructed history", async () => {
    const p = await createPrompt(2);
    const other = await createPrompt(1);
    await seed(p.name, [
      {
        outcome: "SUCCESS",
        at: at("2025-06-02T10:00:00Z"),
        calls: [
          { version: 1, input: 100, output: 50, cached: 10, cost: 0.01, scores: [{ score: 0.8 }] },
          { version: 1, failed: true, input: 200, output: 0, cost: 0.02 },
          { version: 2, cost: 0.01, input: 10, output: 5 },
          // Neither counts: another prompt's call, and a tool step that names the prompt.
          { version: 1, prompt: other.name, cost: 5 },
          { version: 1, kind: "TOOL_CALL", cost: 5 },
        ],
      },
      {
        outcome: "FAILURE",
        at: at("2025-06-03T10:00:00Z"),
        // Unpriced; a person's score (0.6) wins over the heuristic's (0.2).
        calls: [{ version: 1, input: 100, output: 40, cost: null, scores: [{ score: 0.2 }, { score: 0.6, source: "HUMAN" }] }],
      },
      { outcome: "UNKNOWN", at: at("2025-06-04T10:00:00Z"), calls: [{ version: 1, input: 100, output: 20, cost: 0.04 }] },
      // The latest human score wins: 1.0, not the earlier 0.2.
      { outcome: "SUCCESS", at: at("2025-06-05T10:00:00Z"), calls: [{ version: 2, cost: 0.05, scores: [{ score: 0.2, source: "HUMAN", atMs: 1000 }, { score: 1, source: "HUMAN", atMs: 2000 }] }] },
      { outcome: "SUCCESS", at: at("2025-06-06T10:00:00Z"), calls: [{ version: 2, cost: 0.05 }] },
      // Outside the window: before it, and exactly at its (exclusive) end.
      { outcome: "FAILURE", at: at("2025-05-31T23:59:59Z"), calls: [{ version: 1, atMs: 0, cost: 1 }] },
      { outcome: "FAILURE", at: JUNE.to, calls: [{ version: 1, atMs: 0, cost: 1 }] },
      // A call that named the prompt but no version.
      { outcome: "UNKNOWN", at: at("2025-06-07T10:00:00Z"), calls: [{ version: null, cost: 0.005 }] },
    ]);

    const stats = await promptVersionStats(p.name, JUNE);
    expect(stats.map((s) => s.version)).toEqual([2, 1, null]);
    const [v2, v1, unversioned] = stats;

    expect(v1).toMatchObject({
      calls: 4,
      errors: 1,
      inputTokens: 500,
      outputTokens: 110,
      cachedInputTokens: 10,
      unpricedCalls: 1,
      runs: 3,
      runsWithOutcome: 2,
      successes: 1,
      firstCallAt: at("2025-06-02T10:00:00Z"),
      lastCallAt: at("2025-06-04T10:00:00Z"),
    });
    expect(v1!.errorRate.rate).toBe(0.25);
    expect(v1!.costUsd).toBeCloseTo(0.07, 9);
    expect(v1!.meanScore).toMatchObject({ n: 2, enough: false, low: null });
    expect(v1!.meanScore.mean).toBeCloseTo(0.7, 9);
    expect(v1!.successRate.rate).toBe(0.5);
    expect(v1!.successRate.low).toBeLessThan(0.5);
    expect(v1!.costPerRun).toBeCloseTo(0.07 / 3, 9);
    // Only the runs with an outcome (0.03 + 0 unpriced) over the one success.
    expect(v1!.costPerSuccessfulRun).toBeCloseTo(0.03, 9);

    // The first run called both versions: it counts for both.
    expect(v2).toMatchObject({ calls: 3, errors: 0, runs: 3, runsWithOutcome: 3, successes: 3, unpricedCalls: 0, inputTokens: 210, outputTokens: 45 });
    expect(v2!.costUsd).toBeCloseTo(0.11, 9);
    expect(v2!.meanScore.mean).toBe(1);
    expect(v2!.successRate).toMatchObject({ rate: 1, high: 1 });
    expect(v2!.costPerSuccessfulRun).toBeCloseTo(0.11 / 3, 9);

    expect(unversioned).toMatchObject({ calls: 1, runs: 1, runsWithOutcome: 0, successes: 0, costPerSuccessfulRun: null });
    expect(unversioned!.successRate.rate).toBeNull();
  });

  it("returns no rows for a prompt never called in the window, and refuses an unknown prompt", async () => {
    const p = await createPrompt(1);
    expect(await promptVersionStats(p.name, JUNE)).toEqual([]);
    expect(await promptVersionStats(p.name)).toEqual([]);
    const error = await appErrorOf(promptVersionStats(unique("missing")));
    expect(error.code).toBe("not_found:prompt");
  });
});

describe("promptDriftSeries", () => {
  it("buckets calls by UTC day and hour, counting a run once in the bucket of its first call", async () => {
    const p = await createPrompt(2);
    await seed(p.name, [
      // One run crossing midnight UTC: two calls on 2 June (23:30, 23:45), one on 3 June (00:30).
      { outcome: "SUCCESS", at: at("2025-06-02T23:30:00Z"), calls: [{ version: 1, atMs: 0 }, { version: 1, atMs: 15 * 60_000, failed: true }, { version: 1, atMs: 60 * 60_000, scores: [{ score: 0.4 }] }] },
      { outcome: "FAILURE", at: at("2025-06-03T00:10:00Z"), calls: [{ version: 1, atMs: 0, scores: [{ score: 0.8 }] }, { version: 2, atMs: 1000 }] },
    ]);

    const days = await promptDriftSeries(p.name, { ...JUNE, bucket: "day" });
    expect(days.map((d) => [d.bucket.toISOString(), d.version, d.calls, d.errors, d.runs, d.runsWithOutcome, d.successes])).toEqual([
      ["2025-06-02T00:00:00.000Z", 1, 2, 1, 1, 1, 1],
      ["2025-06-03T00:00:00.000Z", 1, 2, 0, 1, 1, 0],
      ["2025-06-03T00:00:00.000Z", 2, 1, 0, 1, 1, 0],
    ]);
    expect(days[0]).toMatchObject({ errorRate: 0.5, successRate: 1, meanScore: null, scored: 0 });
    expect(days[1]!.meanScore).toBeCloseTo(0.6, 9);
    expect(days[1]).toMatchObject({ scored: 2, successRate: 0 });

    const hours = await promptDriftSeries(p.name, { ...JUNE, bucket: "hour" });
    expect(hours.map((h) => [h.bucket.toISOString(), h.version, h.calls, h.runs])).toEqual([
      ["2025-06-02T23:00:00.000Z", 1, 2, 1],
      ["2025-06-03T00:00:00.000Z", 1, 2, 1],
      ["2025-06-03T00:00:00.000Z", 2, 1, 1],
    ]);
  });
});

describe("labelMoves", () => {
  it("returns the window's moves of the prompt oldest first, with who moved it and the change", async () => {
    const p = await createPrompt(3);
    const other = await createPrompt(1);
    await moveLabel(p.id, p.name, "production", at("2025-05-20T00:00:00Z"), { version: 1 }); // before the window
    const toTwo = await moveLabel(p.id, p.name, "production", at("2025-06-03T12:00:00Z"), { version: 2, fromVersion: 1 });
    await moveLabel(p.id, p.name, "staging", at("2025-06-02T08:00:00Z"), { version: 3 });
    await moveLabel(p.id, p.name, "production", at("2025-06-05T12:00:00Z"), { version: 2, fromVersion: 2, canaryVersion: 3, canaryWeight: 10 });
    await moveLabel(p.id, p.name, "staging", at("2025-06-06T08:00:00Z"), { version: null, fromVersion: 3 });
    await moveLabel(other.id, other.name, "production", at("2025-06-04T00:00:00Z"), { version: 1 });

    const moves = await labelMoves(p.name, JUNE);
    expect(moves.map((m) => [m.label, m.fromVersion, m.version, m.canaryVersion, m.canaryWeight])).toEqual([
      ["staging", null, 3, null, null],
      ["production", 1, 2, null, null],
      ["production", 2, 2, 3, 10],
      ["staging", 3, null, null, null],
    ]);
    expect(moves[1]).toMatchObject({ movedBy: "ops@example.com", movedAt: at("2025-06-03T12:00:00Z"), changeId: toTwo.changeId });
    expect((await appErrorOf(labelMoves(unique("missing")))).code).toBe("not_found:prompt");
  });
});

describe("compareArms", () => {
  /** `n` runs of `version` with `successes` successes (the rest failures), one call each, spread over the days after `start`. */
  const arm = (version: number, n: number, successes: number, start: Date): RunSpec[] =>
    Array.from({ length: n }, (_, i) => ({
      outcome: i < successes ? ("SUCCESS" as const) : ("FAILURE" as const),
      at: new Date(start.getTime() + i * 3_600_000),
      calls: [{ version, cost: 0.02 }],
    }));

  async function canaryPrompt(control: number, canary: number, weight: number) {
    const p = await createPrompt(3);
    await db.promptLabel.create({ data: { promptId: p.id, name: "production", versionId: p.versionId(control), canaryVersionId: p.versionId(canary), canaryWeight: weight } });
    return p;
  }

  it("calls a clearly better canary better once each arm has enough runs, comparing only since the split began", async () => {
    const p = await canaryPrompt(1, 2, 50);
    const to = at("2025-07-01T00:00:00Z");
    await moveLabel(p.id, p.name, "production", at("2025-06-01T00:00:00Z"), { version: 1 });
    await moveLabel(p.id, p.name, "production", at("2025-06-20T00:00:00Z"), { version: 1, fromVersion: 1, canaryVersion: 2, canaryWeight: 10 });
    // A weight change keeps the two arms: the comparison still starts on 20 June.
    await moveLabel(p.id, p.name, "production", at("2025-06-22T00:00:00Z"), { version: 1, fromVersion: 1, canaryVersion: 2, canaryWeight: 50 });
    await seed(p.name, [
      // Before the split: v1 did perfectly, which must not flatter the control arm.
      ...arm(1, 40, 40, at("2025-06-05T00:00:00Z")),
      ...arm(1, 60, 30, at("2025-06-20T01:00:00Z")),
      ...arm(2, 60, 54, at("2025-06-20T02:00:00Z")),
    ]);

    const c = await compareArms(p.name, "production", { to });
    expect(c).not.toBeNull();
    expect(c!.windowStart).toBe("split");
    expect(c!.window).toEqual({ from: at("2025-06-20T00:00:00Z"), to });
    expect(c!.control).toMatchObject({ role: "control", version: 1, weight: 50, stats: { runs: 60, runsWithOutcome: 60, successes: 30, calls: 60 } });
    expect(c!.canary).toMatchObject({ role: "canary", version: 2, weight: 50, stats: { runs: 60, successes: 54 } });
    expect(c!.canary.stats.costUsd).toBeCloseTo(1.2, 9);
    expect(c!.successRate.difference).toBeCloseTo(0.4, 9);
    expect(c!.successRate.low).toBeGreaterThan(0.2);
    expect(c!.successRate.significant).toBe(true);
    expect(c!.verdict).toBe("canary_better");
    expect(c!.summary).toMatch(/^Canary better: v2 succeeded in 90 % of 60 runs, v1 in 50 % of 60; difference \+40 points \(95 % CI \+\d+ to \+\d+\)\.$/);

    expect((await compareCanaryLabels(p.name, { to })).map((x) => [x.label, x.verdict])).toEqual([["production", "canary_better"]]);
  });

  it("does not claim a winner on ten runs per arm, however lopsided", async () => {
    const p = await canaryPrompt(2, 3, 20);
    const to = at("2025-07-01T00:00:00Z");
    await moveLabel(p.id, p.name, "production", at("2025-06-25T00:00:00Z"), { version: 2, fromVersion: 1, canaryVersion: 3, canaryWeight: 20 });
    await seed(p.name, [...arm(2, 10, 2, at("2025-06-25T01:00:00Z")), ...arm(3, 10, 10, at("2025-06-25T02:00:00Z"))]);

    const c = await compareArms(p.name, "production", { to });
    expect(c!.control).toMatchObject({ version: 2, weight: 80, stats: { runsWithOutcome: 10, successes: 2 } });
    expect(c!.canary).toMatchObject({ version: 3, weight: 20, stats: { runsWithOutcome: 10, successes: 10 } });
    expect(c!.successRate.significant).toBe(false);
    expect(c!.verdict).toBe("too_few_runs");
    expect(c!.summary).toBe("No significant difference yet: need ≥ 30 runs with an outcome per arm (v2 has 10, v3 10).");
  });

  it("reports an arm with no calls as empty, uses the default window without a move on record, and answers null without a canary", async () => {
    const p = await canaryPrompt(1, 3, 5);
    const to = at("2025-07-01T00:00:00Z");
    await seed(p.name, arm(1, 3, 3, at("2025-06-20T00:00:00Z")));
    const c = await compareArms(p.name, "production", { to });
    expect(c!.windowStart).toBe("default");
    expect(c!.window.from).toEqual(at("2025-06-01T00:00:00Z"));
    expect(c!.canary.stats).toMatchObject({ version: 3, calls: 0, runs: 0, costPerRun: null, firstCallAt: null });
    expect(c!.canary.stats.successRate.rate).toBeNull();
    expect(c!.verdict).toBe("too_few_runs");

    const plain = await createPrompt(1);
    await db.promptLabel.create({ data: { promptId: plain.id, name: "production", versionId: plain.versionId(1) } });
    expect(await compareArms(plain.name, "production")).toBeNull();
    expect(await compareCanaryLabels(plain.name)).toEqual([]);
    expect((await appErrorOf(compareArms(plain.name, "staging"))).code).toBe("not_found:prompt_label");
    expect((await appErrorOf(compareArms(unique("missing"), "production"))).code).toBe("not_found:prompt");
  });
});

describe("resolveDriftWindow", () => {
  it("defaults to the last 30 days, keeps the end of a window longer than 90 days, and refuses an empty one", async () => {
    const now = at("2025-07-01T00:00:00Z");
    expect(resolveDriftWindow({}, now)).toEqual({ from: at("2025-06-01T00:00:00Z"), to: now });
    expect(resolveDriftWindow({ from: at("2025-01-01T00:00:00Z"), to: now })).toEqual({ from: at("2025-04-02T00:00:00Z"), to: now });
    expect((await appErrorOf(Promise.resolve().then(() => resolveDriftWindow({ from: now, to: now })))).code).toBe("bad_request:drift_window");
  });
});
