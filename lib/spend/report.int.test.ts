/**
 * The spend report against the real database: grouping by each dimension,
 * filters (unknown names give nothing), the previous period, unpriced calls
 * counted apart, the chart's top groups and "Other", exact totals, the CSV
 * (grouped and detail, paged) adding up to the JSON total, and UTC days
 * through real ingestion. Rollup rows are written straight into SpendDaily in
 * years no other test uses, for teams and agents of this file only.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createAgent, hex } from "@/tests/factories/runs";
import { createIngestKey, postNative } from "@/tests/factories/ingest-routes";
import { randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { parseCsv, sumDecimals } from "./csv";
import { CHART_SERIES, getSpendJson, getSpendReport, spendCsv } from "./report";
import type { SpendQuery } from "./report-schema";

const tag = hex(3);
const teamA = `spend-a-${tag}`;
const teamB = `spend-b-${tag}`;
const teamC = `spend-c-${tag}`;
const agentA = `spend-bot-a-${tag}`;
const agentB = `spend-bot-b-${tag}`;
const MARCH = { from: "2011-03-01", to: "2011-03-31" };
let ids: { teamA: string; teamB: string; agentA: string; agentB: string };

interface Spend {
  calls: number;
  unpriced?: number;
  input?: number;
  output?: number;
  cached?: number;
  cost: string;
}

async function rollup(day: string, teamId: string, agentId: string, model: string, promptName: string, promptVersion: number, m: Spend) {
  await db.$executeRaw`
    INSERT INTO "SpendDaily" (day, "teamId", "agentId", model, "promptName", "promptVersion", calls, "unpricedCalls", "inputTokens", "outputTokens", "cachedInputTokens", "costUsd")
    VALUES (${day}::date, ${teamId}, ${agentId}, ${model}, ${promptName}, ${promptVersion}, ${m.calls}, ${m.unpriced ?? 0}, ${m.input ?? 0}, ${m.output ?? 0}, ${m.cached ?? 0}, ${m.cost}::numeric)`;
}

const query = (q: Partial<SpendQuery> = {}): SpendQuery => ({ ...MARCH, groupBy: "day", ...q });

async function csvText(q: SpendQuery, options: { detail?: boolean; pageSize?: number } = {}): Promise<string[][]> {
  return parseCsv(await new Response(spendCsv(q, options).body).text());
}

beforeAll(async () => {
  const a = await createAgent(db, { name: agentA, teamName: teamA });
  const b = await createAgent(db, { name: agentB, teamName: teamB });
  ids = { teamA: a.teamId!, teamB: b.teamId!, agentA: a.id, agentB: b.id };
  // March 2011, the range.
  await rollup("2011-03-01", ids.teamA, ids.agentA, "gpt-4o", "triage", 1, { calls: 10, input: 1000, output: 200, cached: 100, cost: "1.000000001" });
  await rollup("2011-03-02", ids.teamA, ids.agentA, "claude-x", "triage", 2, { calls: 5, unpriced: 2, input: 500, output: 50, cost: "0.5" });
  await rollup("2011-03-31", ids.teamB, ids.agentB, "gpt-4o", "", 0, { calls: 3, input: 30, output: 3, cost: "0.000000002" });
  await rollup("2011-03-15", "", "", `mystery-${tag}`, "", 0, { calls: 4, unpriced: 4, input: 40, cost: "0" });
  // The previous period (2011-01-29 … 2011-02-28) and outside both.
  await rollup("2011-02-28", ids.teamA, ids.agentA, "gpt-4o", "triage", 1, { calls: 2, cost: "1" });
  await rollup("2011-02-01", ids.teamB, ids.agentB, "gpt-4o", "", 0, { calls: 1, cost: "0.1" });
  await rollup("2011-04-01", ids.teamA, ids.agentA, "gpt-4o", "triage", 1, { calls: 1, cost: "100" });
  await rollup("2011-01-28", ids.teamA, ids.agentA, "gpt-4o", "triage", 1, { calls: 1, cost: "50" });
  // Team C: eight models on one day, for the chart's "Other".
  const c = await db.team.create({ data: { name: teamC } });
  for (let i = 1; i <= CHART_SERIES + 2; i++) await rollup("2012-05-01", c.id, "", `model-${i}`, "", 0, { calls: 1, cost: String(i) });
});

describe("the spend report", () => {
  it("groups by team, largest cost first, with the exact total and the previous period", async () => {
    const report = await getSpendReport(query({ groupBy: "team" }));
    expect(report.rows.map((r) => [r.key, r.calls, r.costUsd, r.previous.costUsd])).toEqual([
      [teamA, 15, "1.500000001", "1.000000000"],
      [teamB, 3, "0.000000002", "0.100000000"],
      ["", 4, "0.000000000", "0.000000000"],
    ]);
    expect(report.rows[2]!.label).toBe("No team");
    expect(report.total).toEqual({ calls: 22, unpricedCalls: 6, inputTokens: 1570, outputTokens: 253, cachedInputTokens: 100, costUsd: "1.500000003" });
    expect(report.previousRange).toEqual({ from: "2011-01-29", to: "2011-02-28" });
    expect(report.previousTotal).toMatchObject({ calls: 3, costUsd: "1.100000000" });
    expect(report.movers!.increases.map((m) => [m.key, m.change.deltaUsd])).toEqual([[teamA, "0.500000001"]]);
    expect(report.movers!.decreases.map((m) => [m.key, m.change.deltaUsd])).toEqual([[teamB, "-0.099999998"]]);
  });

  it("groups by day in UTC days, each compared with the day one period earlier", async () => {
    const report = await getSpendReport(query());
    expect(report.rows.map((r) => [r.key, r.costUsd, r.previous.costUsd])).toEqual([
      ["2011-03-01", "1.000000001", "0.000000000"],
      ["2011-03-02", "0.500000000", "0.000000000"],
      ["2011-03-15", "0.000000000", "0.000000000"],
      // 31 days before 2011-03-31 is 2011-02-28.
      ["2011-03-31", "0.000000002", "1.000000000"],
    ]);
    expect(report.movers).toBeNull();
    expect(report.chart.series).toEqual([{ id: "s0", label: "Cost", ref: null }]);
    expect(report.chart.days).toHaveLength(31);
    expect(report.chart.days[0]).toEqual({ day: "2011-03-01", costs: { s0: 1.000000001 } });
  });

  it("groups by model, agent and prompt version", async () => {
    const byModel = await getSpendReport(query({ groupBy: "model" }));
    expect(byModel.rows.map((r) => [r.key, r.calls, r.unpricedCalls, r.costUsd])).toEqual([
      ["gpt-4o", 13, 0, "1.000000003"],
      ["claude-x", 5, 2, "0.500000000"],
      [`mystery-${tag}`, 4, 4, "0.000000000"],
    ]);
    const byAgent = await getSpendReport(query({ groupBy: "agent" }));
    expect(byAgent.rows.map((r) => [r.key, r.label, r.calls])).toEqual([
      [agentA, agentA, 15],
      [agentB, agentB, 3],
      ["", "No agent", 4],
    ]);
    const byPrompt = await getSpendReport(query({ groupBy: "prompt" }));
    expect(byPrompt.rows.map((r) => [r.key, r.label, r.calls, r.costUsd])).toEqual([
      ["triage@1", "triage v1", 10, "1.000000001"],
      ["triage@2", "triage v2", 5, "0.500000000"],
      ["", "No prompt", 7, "0.000000002"],
    ]);
  });

  it("counts unpriced calls apart and names their models", async () => {
    const report = await getSpendReport(query({ groupBy: "model" }));
    expect(report.unpricedModels).toEqual([
      { model: `mystery-${tag}`, calls: 4 },
      { model: "claude-x", calls: 2 },
    ]);
    const mystery = report.rows.find((r) => r.key === `mystery-${tag}`)!;
    expect(mystery).toMatchObject({ calls: 4, unpricedCalls: 4, costUsd: "0.000000000" });
  });

  it("filters by agent, team, model and prompt; unknown or hostile names give an empty report", async () => {
    expect((await getSpendJson(query({ team: teamA }))).total).toMatchObject({ calls: 15, costUsd: 1.500000001 });
    expect((await getSpendJson(query({ agent: agentB, groupBy: "model" }))).rows.map((r) => r.key)).toEqual(["gpt-4o"]);
    expect((await getSpendJson(query({ model: "claude-x" }))).total.calls).toBe(5);
    expect((await getSpendJson(query({ prompt: "triage@2" }))).total.calls).toBe(5);
    expect((await getSpendJson(query({ prompt: "triage" }))).total.calls).toBe(15);
    for (const agent of ["nobody", "x' OR '1'='1", "%", "\\", "'; DROP TABLE \"SpendDaily\"; --"]) {
      const empty = await getSpendJson(query({ agent }));
      expect(empty.rows, agent).toEqual([]);
      expect(empty.total).toMatchObject({ calls: 0, costUsd: 0 });
    }
    expect((await getSpendJson(query({ team: "nobody", groupBy: "team" }))).rows).toEqual([]);
  });

  it("draws the top groups and stacks the rest as Other", async () => {
    const report = await getSpendReport({ from: "2012-05-01", to: "2012-05-01", groupBy: "model", team: teamC });
    expect(report.chart.series.map((s) => s.label)).toEqual(["model-8", "model-7", "model-6", "model-5", "model-4", "model-3", "Other"]);
    expect(report.chart.days).toEqual([{ day: "2012-05-01", costs: { s0: 8, s1: 7, s2: 6, s3: 5, s4: 4, s5: 3, other: 3 } }]);
    expect(report.rows).toHaveLength(CHART_SERIES + 2);
    expect(report.total.costUsd).toBe("36.000000000");
  });
});

describe("the CSV export", () => {
  it("has the JSON's rows, in key order, whose cost column sums to the JSON total exactly", async () => {
    const q = query({ groupBy: "team" });
    const [header, ...lines] = await csvText(q);
    expect(header).toEqual(["key", "calls", "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", "unpricedCalls"]);
    expect(lines.map((l) => l[0])).toEqual(["", teamA, teamB].sort());
    const json = await getSpendJson(q);
    expect(sumDecimals(lines.map((l) => l[5]!))).toBe("1.500000003");
    expect(Number(sumDecimals(lines.map((l) => l[5]!)))).toBe(json.total.costUsd);
    expect(lines.find((l) => l[0] === teamA)).toEqual([teamA, "15", "1500", "250", "100", "1.500000001", "2"]);
  });

  it("reads page by page with the same result, grouped and in detail", async () => {
    for (const groupBy of ["day", "model", "agent", "team", "prompt"] as const) {
      const q = query({ groupBy });
      const whole = await csvText(q);
      expect(await csvText(q, { pageSize: 1 }), groupBy).toEqual(whole);
      expect(whole.length - 1, groupBy).toBe((await getSpendJson(q)).rows.length);
    }
    const detail = await csvText(query(), { detail: true });
    expect(detail[0]).toEqual(["day", "team", "agent", "model", "prompt", "calls", "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", "unpricedCalls"]);
    expect(detail.slice(1)).toEqual(expect.arrayContaining([["2011-03-01", teamA, agentA, "gpt-4o", "triage@1", "10", "1000", "200", "100", "1.000000001", "0"]]));
    expect(await csvText(query(), { detail: true, pageSize: 2 })).toEqual(detail);
    expect(sumDecimals(detail.slice(1).map((l) => l[9]!))).toBe("1.500000003");
  });
});

describe("days are UTC days, through real ingestion", () => {
  it("puts a call at 23:30 UTC on the 1st on the 1st, whatever the process's time zone; an unpriced call is counted, not $0", async () => {
    const previousTz = process.env.TZ;
    process.env.TZ = "Pacific/Kiritimati"; // UTC+14: locally it is already the 2nd
    try {
      const key = await createIngestKey(`spend utc ${tag}`);
      const team = `spend-utc-${tag}`;
      const traceId = randomTraceId();
      const who = { agent: `spend-utc-bot-${tag}`, team };
      const res = await postNative(key, {
        steps: [
          { traceId, spanId: randomSpanId(), kind: "LLM_CALL", name: "late", startedAt: "2012-03-01T23:30:00Z", model: "carried-cost-model", inputTokens: 10, outputTokens: 2, costUsd: 0.25, ...who },
          { traceId, spanId: randomSpanId(), kind: "LLM_CALL", name: "no price", startedAt: "2012-03-01T23:45:00Z", model: `no-price-${tag}`, inputTokens: 5, outputTokens: 1, ...who },
        ],
      });
      expect(res.status).toBe(200);
      const first = await getSpendJson({ from: "2012-03-01", to: "2012-03-01", groupBy: "day", team });
      expect(first.rows).toEqual([{ key: "2012-03-01", label: "2012-03-01", calls: 2, unpricedCalls: 1, inputTokens: 15, outputTokens: 3, cachedInputTokens: 0, costUsd: 0.25 }]);
      expect(first.unpricedModels).toEqual([{ model: `no-price-${tag}`, calls: 1 }]);
      expect((await getSpendJson({ from: "2012-03-02", to: "2012-03-02", groupBy: "day", team })).rows).toEqual([]);
    } finally {
      if (previousTz === undefined) delete process.env.TZ;
      else process.env.TZ = previousTz;
    }
  });
});
