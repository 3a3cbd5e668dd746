import { describe, expect, it } from "vitest";
import { forecast } from "./forecast";

/** A history from `{ "2026-12-01": 10, … }`. */
const history = (entries: Record<string, number>) => new Map(Object.entries(entries));

/** Every day from `from` (inclusive) for `count` days at `usd` each. */
function steady(from: string, count: number, usd: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < count; i++) out[new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10)] = usd;
  return out;
}

describe("forecast", () => {
  it("projects a steady spend to month-end and finds the run-out day", () => {
    // $10 a day since Nov 20 (so the 7-day average is $10); now Dec 10, 00:00: month-to-date = 9 full days = $90.
    const now = new Date("2026-12-10T00:00:00Z");
    const f = forecast({ now, limitUsd: 200, daily: history(steady("2026-11-20", 20, 10)) });
    expect(f.monthToDateUsd).toBe(90);
    expect(f.rate7dUsdPerDay).toBe(10);
    expect(f.rate24hUsdPerDay).toBe(10); // nothing today yet, all of yesterday
    expect(f.daysLeft).toBe(22);
    expect(f.projectedUsd).toBe(90 + 10 * 22);
    // $110 left at $10/day: 11 days from now.
    expect(f.runOutAt?.toISOString()).toBe("2026-12-21T00:00:00.000Z");
    expect(f.alreadyExceeded).toBe(false);
  });

  it("takes the last 24 hours when they run hotter than the week", () => {
    const now = new Date("2026-12-15T12:00:00Z"); // half of today elapsed
    const daily = history({ ...steady("2026-12-01", 14, 10), "2026-12-15": 50 });
    const f = forecast({ now, limitUsd: 1000, daily });
    expect(f.rate7dUsdPerDay).toBe(10);
    expect(f.rate24hUsdPerDay).toBe(50 + 10 * 0.5);
    expect(f.rateUsdPerDay).toBe(55);
    expect(f.monthToDateUsd).toBe(140 + 50);
    expect(f.projectedUsd).toBeCloseTo(190 + 55 * 16.5, 6);
  });

  it("keeps the week's average through a quiet morning", () => {
    const now = new Date("2026-12-15T06:00:00Z");
    const daily = history({ ...steady("2026-12-08", 6, 20), "2026-12-14": 0, "2026-12-15": 1 });
    const f = forecast({ now, limitUsd: 1000, daily });
    expect(f.rate24hUsdPerDay).toBe(1);
    expect(f.rate7dUsdPerDay).toBeCloseTo(120 / 7, 9);
    expect(f.rateUsdPerDay).toBeCloseTo(120 / 7, 9);
  });

  it("reads the week from the previous month at the start of a month", () => {
    const now = new Date("2027-01-02T00:00:00Z");
    const f = forecast({ now, limitUsd: 100, daily: history({ ...steady("2026-12-26", 7, 7), "2027-01-01": 7 }) });
    expect(f.monthToDateUsd).toBe(7);
    expect(f.rate7dUsdPerDay).toBe(7);
    expect(f.projectedUsd).toBe(7 + 7 * 30);
  });

  it("says when the budget was already exceeded, on the day it crossed", () => {
    const now = new Date("2026-12-05T10:00:00Z");
    const f = forecast({ now, limitUsd: 25, daily: history(steady("2026-12-01", 5, 10)) });
    expect(f.alreadyExceeded).toBe(true);
    expect(f.runOutAt?.toISOString()).toBe("2026-12-03T00:00:00.000Z");
  });

  it("does not run out when there is no spend, nor when the rate does not reach the limit this month", () => {
    const quiet = forecast({ now: new Date("2026-12-10T00:00:00Z"), limitUsd: 100, daily: history({}) });
    expect(quiet.rateUsdPerDay).toBe(0);
    expect(quiet.runOutAt).toBeNull();
    expect(quiet.projectedUsd).toBe(0);
    const slow = forecast({ now: new Date("2026-12-10T00:00:00Z"), limitUsd: 1000, daily: history(steady("2026-11-20", 20, 1)) });
    expect(slow.runOutAt).toBeNull();
  });

  it("draws the burn-down: actual up to today, projected after, meeting at today", () => {
    const now = new Date("2026-12-10T00:00:00Z");
    const f = forecast({ now, limitUsd: 200, daily: history(steady("2026-11-20", 20, 10)) });
    expect(f.burnDown).toHaveLength(31);
    expect(f.burnDown[0]).toEqual({ day: "2026-12-01", actual: 190, projected: null });
    expect(f.burnDown[9]).toEqual({ day: "2026-12-10", actual: 110, projected: 110 });
    expect(f.burnDown[10]).toEqual({ day: "2026-12-11", actual: null, projected: 90 });
    expect(f.burnDown[30]).toEqual({ day: "2026-12-31", actual: null, projected: 200 - 90 - 220 });
  });
});
