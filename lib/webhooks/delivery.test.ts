import { describe, expect, it } from "vitest";
import { describeSendError, MAX_ATTEMPTS, RETRY_CAP_MS, retryDelayMs } from "./delivery";

describe("webhook retry schedule", () => {
  it("doubles from 30 s, capped at an hour, without jitter at random() = 0", () => {
    const schedule = Array.from({ length: 10 }, (_, i) => retryDelayMs(i + 1, () => 0) / 1000);
    expect(schedule).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
  });

  it("jitters down by at most 20 %, never above the cap", () => {
    for (let attempts = 1; attempts <= 12; attempts++) {
      const base = retryDelayMs(attempts, () => 0);
      expect(retryDelayMs(attempts, () => 0.999_999)).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
      expect(retryDelayMs(attempts, () => 0.5)).toBeLessThanOrEqual(RETRY_CAP_MS);
    }
  });

  it("gives up after about an hour of retries", () => {
    const total = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1, () => 0)).reduce((a, b) => a + b, 0);
    expect(total / 60_000).toBeCloseTo(63.5, 0);
  });

  it("describes network errors in one line with their cause, never a stack", () => {
    const refused = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) });
    expect(describeSendError(refused)).toBe("fetch failed: connect ECONNREFUSED 127.0.0.1:9");
    const aggregate = new TypeError("fetch failed", { cause: Object.assign(new AggregateError([], ""), { code: "ECONNREFUSED" }) });
    expect(describeSendError(aggregate)).toBe("fetch failed: ECONNREFUSED");
    expect(describeSendError(new DOMException("The operation was aborted due to timeout", "TimeoutError"))).toBe("Timed out after 10 s.");
    expect(describeSendError(new Error(`multi\nline ${"x".repeat(600)}`))).toMatch(/^multi line x+…$/);
    expect(describeSendError(new Error("x".repeat(600))).length).toBe(500);
  });
});
