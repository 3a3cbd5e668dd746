import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { countRuns, getRunsByIds, listRuns } from "./queries";
import { getRunTimeline, getStepDetail } from "./run-queries";
import { parseRunFilter } from "./schemas";
import { createAgent, createRun, hex } from "@/tests/factories/runs";

// Every filter is scoped to this file's team, so other files' rows never interfere.
const team = `team-${hex(4)}`;
const base = Date.parse("2026-02-01T10:00:00Z");
const filter = (params: Record<string, string | string[]>) => parseRunFilter({ team, ...params });
let ids: Record<string, string> = {};

beforeAll(async () => {
  const agent = await createAgent(db, { name: `refunds-${hex(3)}`, teamName: team });
  const other = await createAgent(db, { name: `triage-${hex(3)}`, teamName: team });
  const teamId = agent.teamId;
  const make = async (key: string, minutes: number, data: Parameters<typeof createRun>[1]) => {
    const { run } = await createRun(db, { teamId, startedAt: new Date(base + minutes * 60_000), ...data });
    ids[key] = run.id;
  };
  ids = {};
  await make("failing", 0, { agentId: agent.id, name: "Refund #1", status: "FAILED", steps: [{ kind: "TOOL_CALL", tool: "charge", failed: true, error: "Card processor timeout after 30s" }] });
  await make("looping", 10, { agentId: agent.id, name: "Refund #2", status: "RUNNING", costUsd: 0.5 });
  await make("good-wrong", 20, { agentId: other.id, name: "Triage #1", outputScore: 0.9, outcome: "FAILURE", costUsd: 1.25, steps: [{ kind: "LLM_CALL", model: "gpt-4o-mini" }] });
  await make("good-right", 30, { agentId: other.id, name: "Triage #2", outputScore: 0.8, outcome: "SUCCESS", unpricedCount: 2 });
  await make("bad-right", 40, { agentId: other.id, name: "Triage #3", outputScore: 0.1, outcome: "SUCCESS" });
  await db.run.update({ where: { id: ids.looping }, data: { flagLoop: true } });
});

const names = async (params: Record<string, string | string[]>) => (await listRuns(filter(params))).runs.map((r) => r.name);

describe("runs list queries", () => {
  it("lists newest first and filters by agent, status, flags and time range", async () => {
    expect(await names({})).toEqual(["Triage #3", "Triage #2", "Triage #1", "Refund #2", "Refund #1"]);
    const agentName = (await db.run.findUniqueOrThrow({ where: { id: ids.failing! }, include: { agent: true } })).agent!.name;
    expect(await names({ agent: agentName })).toEqual(["Refund #2", "Refund #1"]);
    expect(await names({ status: "FAILED" })).toEqual(["Refund #1"]);
    expect(await names({ flag: "loop" })).toEqual(["Refund #2"]);
    expect(await names({ flag: ["toolFailure", "loop"] })).toEqual([]);
    expect(await names({ flag: "unpriced" })).toEqual(["Triage #2"]);
    expect(await names({ from: "2026-02-01T10:15", to: "2026-02-01T10:35" })).toEqual(["Triage #2", "Triage #1"]);
    expect(await names({ model: "gpt-4o-mini" })).toEqual(["Triage #1"]);
    expect(await names({ model: "gpt-4o-mini", from: "2026-02-01T10:25" })).toEqual([]);
    expect(await names({ model: "gpt-4o" })).toEqual([]);
    expect(await names({ sort: "oldest", status: "bogus" })).toEqual(["Refund #1", "Refund #2", "Triage #1", "Triage #2", "Triage #3"]);
    expect((await names({ sort: "cost" })).slice(0, 2)).toEqual(["Triage #1", "Refund #2"]);
  });

  it("finds runs by name or by an error message of one of their steps", async () => {
    expect(await names({ q: "triage #1" })).toEqual(["Triage #1"]);
    expect(await names({ q: "processor timeout" })).toEqual(["Refund #1"]);
    expect(await names({ q: "100%_" })).toEqual([]);
  });

  it("pages with a keyset cursor, each row once", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await listRuns(filter(cursor ? { cursor } : {}), 2);
      seen.push(...result.runs.map((r) => r.name!));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(["Triage #3", "Triage #2", "Triage #1", "Refund #2", "Refund #1"]);
    const costPages = await listRuns(filter({ sort: "cost" }), 2);
    const second = await listRuns(filter({ sort: "cost", cursor: costPages.nextCursor! }), 10);
    expect([...costPages.runs, ...second.runs].map((r) => r.costUsd)).toEqual([1.25, 0.5, 0, 0, 0]);
    expect((await listRuns(filter({ cursor: "garbage" }))).runs).toHaveLength(5);
  });

  it("counts by status and flag, and the output × outcome quadrants", async () => {
    const counts = await countRuns(filter({}));
    expect(counts.total).toBe(5);
    expect(counts.byStatus).toMatchObject({ FAILED: 1, RUNNING: 1, SUCCEEDED: 3 });
    expect(counts.flags).toMatchObject({ loop: 1, toolFailure: 1, unpriced: 1 });
    expect(counts.quadrants).toEqual({ goodSuccess: 1, goodFailure: 1, badSuccess: 1, badFailure: 0 });
    // "Good text, wrong action" in one click; the quadrant counts ignore the quadrant filter itself.
    expect(await names({ output: "good", outcome: "failure" })).toEqual(["Triage #1"]);
    const filtered = await countRuns(filter({ output: "good", outcome: "failure" }));
    expect(filtered.total).toBe(1);
    expect(filtered.quadrants.goodSuccess).toBe(1);
  });

  it("returns the live state of running rows, and a run's timeline and step detail", async () => {
    const [live] = await getRunsByIds([ids.looping!]);
    expect(live).toMatchObject({ status: "RUNNING", flags: { loop: true }, costUsd: 0.5 });
    const timeline = await getRunTimeline(ids.failing!);
    expect(timeline.items).toHaveLength(1);
    expect(timeline.failures).toEqual([0]);
    const detail = await getStepDetail(ids.failing!, timeline.items[0]!.id);
    expect(detail).toMatchObject({ tool: "charge", status: "FAILED", error: "Card processor timeout after 30s" });
    expect(await getStepDetail(ids.looping!, timeline.items[0]!.id)).toBeNull();
  });
});
