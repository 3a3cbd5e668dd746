/**
 * Replaying breakers against stored history (the last 30 days), saved or
 * draft, for each condition: when they would have fired, on which runs, with
 * the cool-down between trips, and nothing older than 30 days.
 */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { replayBreaker } from "./replay";
import { ingest, loopingRun, newAgent, spend, toolCalls, wholeRun } from "./test-support";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(Date.now() - ms);

describe("replay", () => {
  it("tool error rate: when and on which runs, the cool-down between trips; nothing older than 30 days", async () => {
    const agent = await newAgent();
    await ingest(toolCalls(agent, "xxxxx", { at: ago(40 * DAY) })); // outside the 30 days
    const first = toolCalls(agent, "xxxxx", { at: ago(3 * DAY) });
    await ingest(first);
    const second = toolCalls(agent, "xxxxx", { at: ago(3 * DAY - 60_000) }); // a minute later: inside a 30-minute cool-down
    await ingest(second);
    const last = toolCalls(agent, "..x..xxxx", { at: ago(DAY) });
    await ingest(last);
    const runOf = async (steps: typeof first) => (await db.run.findUniqueOrThrow({ where: { traceId: steps[0]!.traceId } })).id;
    const rule = { condition: "TOOL_ERROR_RATE" as const, params: { thresholdPct: 50, window: 5, minSample: 5 } };

    const cooled = await replayBreaker({ agentId: agent.id, rule, coolDownMinutes: 30 });
    expect(cooled).toMatchObject({ days: 30, truncated: false, scanned: 19, count: 3 });
    // The first burst; then, when the cool-down ends, the second burst still fills the (restarted) window; then the
    // last run, once its window of five is 60 % failed.
    expect(cooled.trips[0]).toMatchObject({ at: first[4]!.startedAt.toISOString(), value: 100, runIds: [await runOf(first)] });
    expect(cooled.trips[1]).toMatchObject({ at: new Date(first[4]!.startedAt.getTime() + 30 * 60_000).toISOString(), value: 100, runIds: [await runOf(second)] });
    expect(cooled.trips[2]).toMatchObject({ at: last[6]!.startedAt.toISOString(), value: 60, runIds: [await runOf(last)] });
    expect(cooled.summary).toBe("Would have fired 3 times in the last 30 days, with a 30 minutes cool-down between trips.");

    // Without a cool-down the second burst fires as it arrives.
    const uncooled = await replayBreaker({ agentId: agent.id, rule, coolDownMinutes: 0 });
    expect(uncooled.trips.map((t) => t.at)).toEqual([first[4]!.startedAt.toISOString(), second[4]!.startedAt.toISOString(), last[6]!.startedAt.toISOString()]);
  });

  it("loops, spend and long runs over history", async () => {
    const agent = await newAgent();
    await ingest(loopingRun(agent));
    await ingest(loopingRun(agent));
    const loops = await replayBreaker({ agentId: agent.id, rule: { condition: "LOOPS", params: { runs: 2, windowMinutes: 10 } }, coolDownMinutes: 15 });
    expect(loops.count).toBe(1);
    expect(loops.trips[0]!.runIds).toHaveLength(2);

    await ingest(spend(agent, [4, 4]));
    await ingest(spend(agent, [3]));
    const spent = await replayBreaker({ agentId: agent.id, rule: { condition: "SPEND_HOUR", params: { limitUsd: 10 } }, coolDownMinutes: 60 });
    expect(spent.count).toBe(1);
    expect(spent.trips[0]!.value).toBeCloseTo(11, 6);
    expect(spent.trips[0]!.runIds.length).toBeGreaterThanOrEqual(1);
    expect((await replayBreaker({ agentId: agent.id, rule: { condition: "SPEND_HOUR", params: { limitUsd: 11 } }, coolDownMinutes: 60 })).count).toBe(0);

    await ingest(wholeRun(agent, "OK", { startedAt: ago(5 * DAY), durationMs: 2 * HOUR }));
    await ingest(wholeRun(agent, "OK", { startedAt: ago(4 * DAY), durationMs: 10 * 60_000 }));
    const long = await replayBreaker({ agentId: agent.id, rule: { condition: "RUN_DURATION", params: { maxMinutes: 60 } }, coolDownMinutes: 15 });
    expect(long.count).toBe(1);
    expect(long.trips[0]!.message).toMatch(/^1 run running longer than 60 minutes/);
  });

  it("an agent with no history would not have fired", async () => {
    const agent = await newAgent();
    const result = await replayBreaker({ agentId: agent.id, rule: { condition: "ESCALATIONS_REJECTED", params: { count: 1 } }, coolDownMinutes: 15 });
    expect(result).toMatchObject({ count: 0, trips: [], summary: "Would not have fired in the last 30 days." });
  });
});
