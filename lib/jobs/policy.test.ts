import { describe, expect, it } from "vitest";
import { dueTolerance, errorMessageOf, isDue, jobLockKey, MAX_ERROR_LENGTH, nextDueAt, nextTickDelay } from "./policy";

const now = new Date("2026-03-01T12:00:00Z");
const msAgo = (ms: number) => new Date(now.getTime() - ms);

describe("job lock key", () => {
  it("is stable: every instance and version derives the same key from the name", () => {
    expect(jobLockKey("stall_sweep")).toBe(jobLockKey("stall_sweep"));
    // Pinned: changing the derivation would let old and new instances run a job at once during an upgrade.
    expect(jobLockKey("stall_sweep")).toBe(1_688_555_033_481_618_440n);
  });
  it("differs between jobs and fits PostgreSQL's signed bigint", () => {
    const keys = ["stall_sweep", "webhook_delivery", "a", "b"].map(jobLockKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) {
      expect(key).toBeGreaterThanOrEqual(-(2n ** 63n));
      expect(key).toBeLessThan(2n ** 63n);
    }
  });
});

describe("due or not", () => {
  const interval = 60_000;
  it("is due when never run", () => {
    expect(isDue(null, interval, now)).toBe(true);
    expect(nextDueAt(undefined, interval, now)).toEqual(now);
  });
  it("is not due within the interval of the last start, by any instance", () => {
    expect(isDue(msAgo(1_000), interval, now)).toBe(false);
    expect(isDue(msAgo(interval - dueTolerance(interval) - 1), interval, now)).toBe(false);
  });
  it("is due from one interval after the last start, less the tolerance for early timers", () => {
    expect(dueTolerance(interval)).toBe(5_000);
    expect(isDue(msAgo(interval - 5_000), interval, now)).toBe(true);
    expect(isDue(msAgo(interval - 1), interval, now)).toBe(true);
    expect(isDue(msAgo(10 * interval), interval, now)).toBe(true);
    expect(nextDueAt(msAgo(1_000), interval, now)).toEqual(new Date(now.getTime() + interval - 5_000 - 1_000));
  });
  it("scales the tolerance down for short intervals", () => {
    expect(dueTolerance(1_000)).toBe(100);
    expect(isDue(msAgo(850), 1_000, now)).toBe(false);
    expect(isDue(msAgo(900), 1_000, now)).toBe(true);
  });
  it("is not due when the last start is ahead of this instance's clock", () => {
    expect(isDue(new Date(now.getTime() + 2_000), interval, now)).toBe(false);
  });
});

describe("next tick delay", () => {
  it("is one interval from the start of a tick that ran", () => {
    expect(nextTickDelay({ intervalMs: 60_000, elapsedMs: 2_000, now })).toBe(58_000);
  });
  it("waits until due after a not-due skip", () => {
    expect(nextTickDelay({ intervalMs: 60_000, elapsedMs: 5, dueAt: new Date(now.getTime() + 12_000), now })).toBe(12_000);
  });
  it("never spins and never waits longer than an interval", () => {
    expect(nextTickDelay({ intervalMs: 60_000, elapsedMs: 90_000, now })).toBe(1_000);
    expect(nextTickDelay({ intervalMs: 60_000, elapsedMs: 0, dueAt: new Date(now.getTime() - 5), now })).toBe(1_000);
    expect(nextTickDelay({ intervalMs: 60_000, elapsedMs: 0, dueAt: new Date(now.getTime() + 600_000), now })).toBe(60_000);
    expect(nextTickDelay({ intervalMs: 200, elapsedMs: 500, now })).toBe(20);
  });
});

describe("kept error", () => {
  it("is the message only, on one line, never the stack", () => {
    const error = new Error("connect ECONNREFUSED\n  127.0.0.1:5432");
    expect(errorMessageOf(error)).toBe("connect ECONNREFUSED 127.0.0.1:5432");
    expect(errorMessageOf(error)).not.toContain("at ");
    expect(errorMessageOf("plain")).toBe("plain");
    expect(errorMessageOf({ weird: true })).toBe("Unknown error");
    expect(errorMessageOf(new Error(""))).toBe("Error");
  });
  it("is truncated", () => {
    const kept = errorMessageOf(new Error("x".repeat(5_000)));
    expect(kept).toHaveLength(MAX_ERROR_LENGTH);
    expect(kept.endsWith("…")).toBe(true);
  });
});
