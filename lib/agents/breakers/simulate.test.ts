import { describe, expect, it } from "vitest";
import { MAX_LISTED_TRIPS, runCrossings, simulate } from "./simulate";

const T0 = Date.parse("2026-11-01T00:00:00Z");
const min = (m: number) => T0 + m * 60_000;
const until = new Date(min(60 * 24 * 30));
const at = (ms: number) => new Date(ms).toISOString();

describe("tool error rate over history", () => {
  const rule = { condition: "TOOL_ERROR_RATE" as const, params: { thresholdPct: 50, window: 4, minSample: 4 } };
  const calls = (spec: string, startMinute = 0) => [...spec].map((c, i) => ({ at: min(startMinute + i), failed: c === "x", runId: `run-${startMinute + i}` }));

  it("fires at the call that crosses, on the failed calls' runs", () => {
    const { trips, count } = simulate(rule, { condition: "TOOL_ERROR_RATE", samples: calls("..x.xx") }, 0, until);
    // The window [., x, ., x] is 50 % (not above); [x, ., x, x] is 75 %.
    expect(count).toBe(1);
    expect(at(trips[0]!.at.getTime())).toBe(at(min(5)));
    expect(trips[0]).toMatchObject({ value: 75, runIds: ["run-5", "run-4", "run-2"] });
  });

  it("restarts its window after firing: the same calls never fire twice", () => {
    // Four failures fire; the next three failures are only three calls of a new window (minSample 4).
    expect(simulate(rule, { condition: "TOOL_ERROR_RATE", samples: calls("xxxxxxx") }, 0, until).count).toBe(1);
    expect(simulate(rule, { condition: "TOOL_ERROR_RATE", samples: calls("xxxxxxxx") }, 0, until).count).toBe(2);
  });

  it("respects the cool-down, and looks once more when it ends", () => {
    // Failures every minute for 40 minutes, cool-down 15: fires at 3, then at each cool-down's end (18, 33, and 48, when
    // the last four calls still all failed) — not at every fourth call.
    const samples = calls("x".repeat(40));
    const { trips } = simulate(rule, { condition: "TOOL_ERROR_RATE", samples }, 15, until);
    expect(trips.map((t) => (t.at.getTime() - T0) / 60_000)).toEqual([3, 18, 33, 48]);
  });

  it("a cool-down that ends after the last call is still looked at", () => {
    // Fires at 3; calls 4..7 arrive during the cool-down; at its end (13) the new window holds 4 failures.
    const samples = calls("xxxxxxxx");
    expect(simulate(rule, { condition: "TOOL_ERROR_RATE", samples }, 10, until).trips.map((t) => (t.at.getTime() - T0) / 60_000)).toEqual([3, 13]);
    // …but not after `until`.
    expect(simulate(rule, { condition: "TOOL_ERROR_RATE", samples }, 10, new Date(min(12))).count).toBe(1);
  });
});

describe("loops, spend, rejections, long runs over history", () => {
  it("loops: M looping runs within T minutes", () => {
    const rule = { condition: "LOOPS" as const, params: { runs: 3, windowMinutes: 10 } };
    const runs = [0, 5, 20, 25, 28].map((m) => ({ at: min(m), runId: `r${m}` }));
    const { trips } = simulate(rule, { condition: "LOOPS", samples: runs }, 0, until);
    // 0 and 5 are 2 within 10 minutes; 20, 25, 28 are 3.
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ value: 3, runIds: ["r28", "r25", "r20"] });
  });

  it("spend: above the limit within an hour, minutes falling out of the window", () => {
    const rule = { condition: "SPEND_HOUR" as const, params: { limitUsd: 10 } };
    const spend = [
      { at: min(0), costUsd: 6, runIds: ["a"] },
      { at: min(61), costUsd: 6, runIds: ["b"] }, // the first minute left the hour: $6
      { at: min(90), costUsd: 5, runIds: ["c"] }, // $11 in the hour
    ];
    const { trips } = simulate(rule, { condition: "SPEND_HOUR", samples: spend }, 0, until);
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ value: 11, runIds: ["c", "b"] });
    expect(trips[0]!.at.getTime()).toBe(min(90));
  });

  it("rejections: K in a row, an approval starting over", () => {
    const rule = { condition: "ESCALATIONS_REJECTED" as const, params: { count: 2 } };
    const d = (m: number, rejected: boolean) => ({ at: min(m), rejected, runId: `r${m}` });
    const { trips } = simulate(rule, { condition: "ESCALATIONS_REJECTED", samples: [d(0, true), d(1, false), d(2, true), d(3, true), d(4, true), d(5, true)] }, 0, until);
    expect(trips.map((t) => (t.at.getTime() - T0) / 60_000)).toEqual([3, 5]);
    expect(trips[0]!.runIds).toEqual(["r3", "r2"]);
  });

  it("long runs: fire when a run passes the limit; a run that fired once does not fire again", () => {
    const rule = { condition: "RUN_DURATION" as const, params: { maxMinutes: 30 } };
    const runs = [
      { runId: "short", startedAt: min(0), endAt: min(10) },
      { runId: "long", startedAt: min(0), endAt: min(120) },
      { runId: "later", startedAt: min(60), endAt: min(100) },
    ];
    expect(runCrossings(rule.params, runs).map((c) => c.run.runId)).toEqual(["long", "later"]);
    const { trips } = simulate(rule, { condition: "RUN_DURATION", samples: runs }, 0, until);
    expect(trips.map((t) => [Math.round((t.at.getTime() - T0) / 60_000), t.runIds])).toEqual([
      [30, ["long"]],
      [90, ["later"]],
    ]);
  });

  it("long runs: with a cool-down, a run still running past it fires at its end", () => {
    const rule = { condition: "RUN_DURATION" as const, params: { maxMinutes: 30 } };
    const runs = [
      { runId: "a", startedAt: min(0), endAt: min(200) },
      { runId: "b", startedAt: min(5), endAt: min(200) },
    ];
    // a crosses at 30 and fires; b (started before that) no longer counts.
    expect(simulate(rule, { condition: "RUN_DURATION", samples: runs }, 60, until).count).toBe(1);
  });
});

it("lists at most MAX_LISTED_TRIPS trips but counts them all", () => {
  const rule = { condition: "LOOPS" as const, params: { runs: 1, windowMinutes: 1 } };
  const runs = Array.from({ length: MAX_LISTED_TRIPS + 5 }, (_, i) => ({ at: min(i * 2), runId: `r${i}` }));
  const result = simulate(rule, { condition: "LOOPS", samples: runs }, 0, until);
  expect(result.count).toBe(MAX_LISTED_TRIPS + 5);
  expect(result.trips).toHaveLength(MAX_LISTED_TRIPS);
});

it("refuses samples of another condition", () => {
  expect(() => simulate({ condition: "LOOPS", params: { runs: 1, windowMinutes: 1 } }, { condition: "SPEND_HOUR", samples: [] }, 0, until)).toThrow();
});
