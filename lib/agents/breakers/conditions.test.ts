import { describe, expect, it } from "vitest";
import {
  describeRule,
  formatThreshold,
  formatValue,
  mayFire,
  measureLoops,
  measureRejections,
  measureRunDuration,
  measureSpend,
  measureToolErrorRate,
  probeVerdict,
  thresholdOf,
  type FireState,
} from "./conditions";

const call = (failed: boolean, runId = "r") => ({ failed, runId });

describe("tool error rate", () => {
  const params = { thresholdPct: 50, window: 4, minSample: 3 };

  it("counts only the last `window` calls (newest first) and needs the minimum sample", () => {
    expect(measureToolErrorRate(params, [call(true), call(true)]).crossed).toBe(false); // 100 % but 2 < 3 calls
    const m = measureToolErrorRate(params, [call(true, "a"), call(true, "b"), call(false), call(false), call(true, "old")]);
    expect(m.value).toBe(50); // 2 of the last 4; the fifth is outside the window
    expect(m.crossed).toBe(false); // above 50 %, not at it
    expect(measureToolErrorRate(params, [call(true, "a"), call(true, "b"), call(true, "a"), call(false)])).toMatchObject({ value: 75, crossed: true, runIds: ["a", "b"] });
  });

  it("reads 0 % with no call, never crossing", () => {
    expect(measureToolErrorRate(params, [])).toMatchObject({ value: 0, crossed: false, runIds: [] });
  });

  it("says what it saw", () => {
    expect(measureToolErrorRate(params, [call(true), call(true), call(true)]).message).toBe("Tool error rate 100 % over the last 3 tool calls (3 failed; threshold 50 %, at least 3 calls).");
  });
});

describe("the other conditions", () => {
  it("loops: at least M looping runs", () => {
    expect(measureLoops({ runs: 2, windowMinutes: 30 }, ["a"]).crossed).toBe(false);
    expect(measureLoops({ runs: 2, windowMinutes: 30 }, ["a", "b"])).toMatchObject({ value: 2, crossed: true, runIds: ["a", "b"] });
  });

  it("spend: strictly above the limit", () => {
    expect(measureSpend({ limitUsd: 10 }, 10, []).crossed).toBe(false);
    expect(measureSpend({ limitUsd: 10 }, 10.01, ["x"])).toMatchObject({ crossed: true, message: "Spent $10.01 in the last hour (limit $10.00)." });
  });

  it("rejections: the streak of the newest decisions, broken by an approval", () => {
    const d = (rejected: boolean, runId: string | null = null) => ({ rejected, runId });
    expect(measureRejections({ count: 3 }, [d(true), d(true), d(false), d(true)])).toMatchObject({ value: 2, crossed: false });
    expect(measureRejections({ count: 3 }, [d(true, "a"), d(true, null), d(true, "b"), d(false)])).toMatchObject({ value: 3, crossed: true, runIds: ["a", "b"] });
  });

  it("run duration: any running run over the limit; the value is the longest", () => {
    expect(measureRunDuration({ maxMinutes: 30 }, [{ runId: "a", minutes: 12 }])).toMatchObject({ value: 12, crossed: false });
    expect(measureRunDuration({ maxMinutes: 30 }, [{ runId: "a", minutes: 45.5 }, { runId: "b", minutes: 12 }])).toMatchObject({ value: 45.5, crossed: true, runIds: ["a"] });
    expect(measureRunDuration({ maxMinutes: 30 }, [])).toMatchObject({ value: 0, crossed: false });
  });
});

describe("words", () => {
  it("describes each condition and its threshold", () => {
    expect(describeRule({ condition: "TOOL_ERROR_RATE", params: { thresholdPct: 50, window: 20, minSample: 10 } })).toBe("Tool error rate above 50 % over the last 20 tool calls (at least 10 calls)");
    expect(describeRule({ condition: "LOOPS", params: { runs: 3, windowMinutes: 120 } })).toBe("Loops detected in 3 runs within 2 hours");
    expect(describeRule({ condition: "SPEND_HOUR", params: { limitUsd: 25 } })).toBe("Spend in the last hour above $25.00");
    expect(describeRule({ condition: "ESCALATIONS_REJECTED", params: { count: 1 } })).toBe("Escalations rejected 1 time in a row");
    expect(describeRule({ condition: "RUN_DURATION", params: { maxMinutes: 45 } })).toBe("A run running longer than 45 minutes");
    expect(thresholdOf({ condition: "SPEND_HOUR", params: { limitUsd: 25 } })).toBe(25);
    expect(formatThreshold({ condition: "LOOPS", params: { runs: 1, windowMinutes: 5 } })).toBe("at least 1 looping run");
    expect(formatValue("TOOL_ERROR_RATE", 62.456)).toBe("62.5 %");
    expect(formatValue("RUN_DURATION", 45.9)).toBe("45 minutes");
    expect(formatValue("SPEND_HOUR", null)).toBe("—");
  });
});

describe("may it fire", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  const base: FireState = { mode: "ENFORCE", state: "CLOSED", enabled: true, coolDownMinutes: 15, lastFiredAt: null, agentStatus: "ACTIVE" };

  it("fires when enabled, not open, past the cool-down, with an active agent to trip", () => {
    expect(mayFire(base, now)).toBe(true);
    expect(mayFire({ ...base, enabled: false }, now)).toBe(false);
    expect(mayFire({ ...base, state: "OPEN" }, now)).toBe(false);
    expect(mayFire({ ...base, state: "HALF_OPEN" }, now)).toBe(true);
    expect(mayFire({ ...base, agentStatus: "PAUSED" }, now)).toBe(false);
    expect(mayFire({ ...base, mode: "OBSERVE", agentStatus: "PAUSED" }, now)).toBe(true);
  });

  it("waits for the cool-down since the last firing", () => {
    expect(mayFire({ ...base, lastFiredAt: new Date(now.getTime() - 14 * 60_000) }, now)).toBe(false);
    expect(mayFire({ ...base, lastFiredAt: new Date(now.getTime() - 15 * 60_000) }, now)).toBe(true);
    expect(mayFire({ ...base, coolDownMinutes: 0, lastFiredAt: now }, now)).toBe(true);
  });
});

describe("the half-open probe", () => {
  it("success closes, failure or a stall trips again, anything else waits", () => {
    expect(probeVerdict(null)).toBe("pending");
    expect(probeVerdict({ status: "RUNNING", outcome: "UNKNOWN" })).toBe("pending");
    expect(probeVerdict({ status: "ESCALATED", outcome: "UNKNOWN" })).toBe("pending");
    expect(probeVerdict({ status: "SUCCEEDED", outcome: "SUCCESS" })).toBe("success");
    expect(probeVerdict({ status: "SUCCEEDED", outcome: "FAILURE" })).toBe("failure");
    expect(probeVerdict({ status: "FAILED", outcome: "UNKNOWN" })).toBe("failure");
    expect(probeVerdict({ status: "STALLED", outcome: "UNKNOWN" })).toBe("failure");
  });
});
