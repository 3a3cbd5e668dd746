/**
 * Cost per outcome against the real database: runs started in the range per
 * agent and per prompt version (a run counts for every version its LLM calls
 * used), cost per run, per successful run (none without a success, never
 * Infinity) and per call, so a version cheaper per call but dearer per
 * success shows as such.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { db } from "@/lib/db";
import { ingestBatch } from "@/lib/telemetry/pipeline";
import { randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { createAgent, createRun, hex } from "@/tests/factories/runs";
import { stepDraft } from "@/tests/factories/step-draft";
import { getCostPerOutcome } from "./outcomes";
import type { SpendQuery } from "./report-schema";

const tag = hex(3);
const team = `outcomes-${tag}`;
const prompt = `invoice-${tag}`;
const JUNE: SpendQuery = { from: "2013-06-01", to: "2013-06-30", groupBy: "day", team };

/** A run whose LLM calls used these prompt versions (one call each). */
async function run(agentId: string, teamId: string, day: string, outcome: "SUCCESS" | "FAILURE" | "UNKNOWN", costUsd: number, versions: number[], unpricedCount = 0) {
  const { run } = await createRun(db, {
    agentId,
    teamId,
    startedAt: new Date(`${day}T12:00:00Z`),
    outcome,
    costUsd,
    unpricedCount,
    steps: versions.map((v) => ({ kind: "LLM_CALL" as const, name: `v${v}` })),
  });
  await db.$executeRaw`UPDATE "Step" SET "promptName" = ${prompt}, "promptVersion" = substr(name, 2)::int WHERE "runId" = ${run.id}`;
  // The factory writes no ingestion: record the versions the run used as ingestion's spend hook does.
  await db.$executeRaw`INSERT INTO "RunPromptVersion" ("runId", "promptName", "promptVersion")
    SELECT DISTINCT "runId", "promptName", coalesce("promptVersion", 0) FROM "Step" WHERE "runId" = ${run.id} AND kind = 'LLM_CALL'`;
}

async function calls(day: string, teamId: string, agentId: string, version: number, n: number, cost: string, unpriced = 0) {
  await db.$executeRaw`
    INSERT INTO "SpendDaily" (day, "teamId", "agentId", model, "promptName", "promptVersion", calls, "unpricedCalls", "costUsd")
    VALUES (${day}::date, ${teamId}, ${agentId}, 'gpt-4o', ${prompt}, ${version}, ${n}, ${unpriced}, ${cost}::numeric)`;
}

let names: { x: string; y: string };

beforeAll(async () => {
  const x = await createAgent(db, { name: `outcomes-x-${tag}`, teamName: team });
  const y = await createAgent(db, { name: `outcomes-y-${tag}`, teamName: team });
  names = { x: x.name, y: y.name };
  const teamId = x.teamId!;
  await run(x.id, teamId, "2013-06-01", "SUCCESS", 1, [1, 1]);
  await run(x.id, teamId, "2013-06-02", "FAILURE", 1, [1]);
  await run(x.id, teamId, "2013-06-03", "SUCCESS", 3, [2]);
  await run(x.id, teamId, "2013-06-30", "UNKNOWN", 0.5, [1, 2], 1);
  await run(x.id, teamId, "2013-07-01", "SUCCESS", 9, [1]); // started after the range
  await run(y.id, teamId, "2013-06-10", "FAILURE", 2, [3]);
  // The calls in the range, from the rollup: v2 is cheaper per call.
  await calls("2013-06-01", teamId, x.id, 1, 4, "0.4");
  await calls("2013-06-03", teamId, x.id, 2, 10, "0.5");
  await calls("2013-06-10", teamId, y.id, 3, 1, "0.2", 1);
});

describe("cost per outcome", () => {
  it("per prompt version: runs that used it, cost per run, per successful run and per call", async () => {
    const { byPromptVersion } = await getCostPerOutcome(JUNE);
    expect(byPromptVersion.map((r) => [r.key, r.runs, r.successes, r.runCostUsd, r.calls, r.callCostUsd])).toEqual([
      [`${prompt}@3`, 1, 0, "2.000000000", 1, "0.200000000"],
      [`${prompt}@2`, 2, 1, "3.500000000", 10, "0.500000000"],
      [`${prompt}@1`, 3, 1, "2.500000000", 4, "0.400000000"],
    ]);
    const [v3, v2, v1] = byPromptVersion;
    // v2: cheaper per call, dearer per successful run.
    expect(v2!.costPerCall).toBeCloseTo(0.05, 12);
    expect(v1!.costPerCall).toBeCloseTo(0.1, 12);
    expect(v2!.costPerSuccessfulRun).toBeCloseTo(3.5, 12);
    expect(v1!.costPerSuccessfulRun).toBeCloseTo(2.5, 12);
    expect(v1!.costPerRun).toBeCloseTo(2.5 / 3, 12);
    expect(v2!.unpricedRuns).toBe(1);
    // No successful run: no figure, not Infinity.
    expect(v3!.costPerSuccessfulRun).toBeNull();
    expect(v3!.unpricedCalls).toBe(1);
    // Its one call had no price: no cost per call, not $0.
    expect(v3!.costPerCall).toBeNull();
  });

  it("per agent, by the runs started in the range", async () => {
    const { byAgent } = await getCostPerOutcome(JUNE);
    expect(byAgent.map((r) => [r.key, r.runs, r.successes, r.runCostUsd, r.calls])).toEqual([
      [names.x, 4, 2, "5.500000000", 14],
      [names.y, 1, 0, "2.000000000", 1],
    ]);
    expect(byAgent[0]!.costPerSuccessfulRun).toBeCloseTo(2.75, 12);
    expect(byAgent[0]!.costPerRun).toBeCloseTo(1.375, 12);
    expect(byAgent[1]!.costPerSuccessfulRun).toBeNull();
  });

  it("narrows by agent and prompt version, and finds nothing for unknown names", async () => {
    const narrowed = await getCostPerOutcome({ ...JUNE, agent: names.y });
    expect(narrowed.byAgent.map((r) => r.key)).toEqual([names.y]);
    expect(narrowed.byPromptVersion.map((r) => r.key)).toEqual([`${prompt}@3`]);
    const one = await getCostPerOutcome({ ...JUNE, prompt: `${prompt}@2` });
    expect(one.byPromptVersion.map((r) => [r.key, r.runs])).toEqual([[`${prompt}@2`, 2]]);
    expect(one.notApplied).toEqual(["prompt, in the per-agent table"]);
    const none = await getCostPerOutcome({ ...JUNE, team: "x' OR 1=1 --" });
    expect(none).toMatchObject({ byAgent: [], byPromptVersion: [] });
  });

  it("learns which versions a run used from ingestion, once per run and version, re-sent calls included", async () => {
    const agentName = `outcomes-ingested-${tag}`;
    const promptName = `ingested-${tag}`;
    const [first, second] = [randomTraceId(), randomTraceId()];
    const call = (traceId: string, promptVersion: number | null, at: string, spanId = randomSpanId()) =>
      stepDraft({ traceId, spanId, kind: "LLM_CALL", name: "chat", model: "outcome-test-model", startedAt: new Date(at), endedAt: new Date(at), carriedCostUsd: 0.25, promptName, promptVersion, agentName, teamName: team });
    const resent = call(first, 1, "2013-08-01T10:00:00Z");
    const actor = { ...SYSTEM_ACTOR, label: "outcome tests" };
    await ingestBatch(actor, { source: "native", steps: [resent, call(first, 1, "2013-08-01T10:01:00Z"), call(first, 2, "2013-08-01T10:02:00Z"), call(second, null, "2013-08-02T10:00:00Z")] });
    await ingestBatch(actor, { source: "native", steps: [resent, call(second, 2, "2013-08-02T10:01:00Z")] });
    const used = await db.$queryRaw<{ trace: string; version: number }[]>`
      SELECT r."traceId" AS trace, u."promptVersion" AS version FROM "RunPromptVersion" u JOIN "Run" r ON r.id = u."runId"
      WHERE u."promptName" = ${promptName} ORDER BY 1, 2`;
    expect(used).toEqual([{ trace: first, version: 1 }, { trace: first, version: 2 }, { trace: second, version: 0 }, { trace: second, version: 2 }].sort((a, b) => (a.trace < b.trace ? -1 : a.trace > b.trace ? 1 : a.version - b.version)));
    const august = await getCostPerOutcome({ from: "2013-08-01", to: "2013-08-31", groupBy: "day", team });
    expect(august.byPromptVersion.filter((r) => r.name === promptName).map((r) => [r.version, r.runs, r.runCostUsd])).toEqual([
      [2, 2, "1.250000000"],
      [1, 1, "0.750000000"],
      [0, 1, "0.500000000"],
    ]);
  });

  it("counts a run on its UTC start day", async () => {
    const lastDay = await getCostPerOutcome({ ...JUNE, from: "2013-06-30", to: "2013-06-30" });
    expect(lastDay.byAgent.map((r) => [r.key, r.runs])).toEqual([[names.x, 1]]);
    const july = await getCostPerOutcome({ ...JUNE, from: "2013-07-01", to: "2013-07-01" });
    expect(july.byAgent.map((r) => [r.key, r.runs, r.successes])).toEqual([[names.x, 1, 1]]);
  });
});
