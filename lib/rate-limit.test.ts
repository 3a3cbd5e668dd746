import { describe, expect, it } from "vitest";
import { ACCOUNT_POLICY, ADDRESS_POLICY, delayAfterFailures, GLOBAL_FAILURES_PER_MINUTE, globalSlowdownMs } from "./rate-limit";

describe("delayAfterFailures", () => {
  it("lets an account make two mistakes, then doubles from 1 s up to 30 s", () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => delayAfterFailures(n, ACCOUNT_POLICY));
    expect(delays).toEqual([0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it("never holds an account longer than 30 s, however many failures an attacker piles up", () => {
    for (const n of [11, 100, 10_000, Number.MAX_SAFE_INTEGER]) expect(delayAfterFailures(n, ACCOUNT_POLICY)).toBe(30_000);
  });

  it("slows one client address later but faster and far longer than an account", () => {
    expect(delayAfterFailures(30, ADDRESS_POLICY)).toBe(0);
    expect(delayAfterFailures(31, ADDRESS_POLICY)).toBe(2_000);
    expect(delayAfterFailures(35, ADDRESS_POLICY)).toBe(32_000);
    expect(delayAfterFailures(60, ADDRESS_POLICY)).toBe(15 * 60_000);
  });
});

describe("globalSlowdownMs", () => {
  const now = new Date("2026-01-01T00:01:00Z");
  it("slows every attempt only while the site-wide failure rate is above the ceiling", () => {
    const recent = new Date(now.getTime() - 10_000);
    expect(globalSlowdownMs(GLOBAL_FAILURES_PER_MINUTE - 1, recent, now)).toBe(0);
    expect(globalSlowdownMs(GLOBAL_FAILURES_PER_MINUTE, recent, now)).toBe(1_000);
    expect(globalSlowdownMs(GLOBAL_FAILURES_PER_MINUTE * 10, new Date(now.getTime() - 60_000), now)).toBe(0);
    expect(globalSlowdownMs(5, null, now)).toBe(0);
  });
});
