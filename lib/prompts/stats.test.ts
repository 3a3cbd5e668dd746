import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareProportions,
  formatDifference,
  formatProportion,
  meanInterval,
  MIN_RUNS_PER_ARM,
  proportionDifference,
  summarize,
  tCritical95,
  verdictText,
  wilsonInterval,
} from "./stats";

describe("wilsonInterval", () => {
  it("matches published values for 8/10 and 80/100", () => {
    const small = wilsonInterval(8, 10);
    expect(small.rate).toBe(0.8);
    expect(small.low).toBeCloseTo(0.4902, 4);
    expect(small.high).toBeCloseTo(0.9433, 4);
    const large = wilsonInterval(80, 100);
    expect(large.low).toBeCloseTo(0.7112, 4);
    expect(large.high).toBeCloseTo(0.8666, 4);
  });

  it("knows nothing about 0/0: no rate, the whole range", () => {
    expect(wilsonInterval(0, 0)).toEqual({ successes: 0, n: 0, rate: null, low: 0, high: 1 });
  });

  it("keeps the bound at the estimate for all successes and no successes, and stays informative", () => {
    const all = wilsonInterval(10, 10);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(10 / (10 + 1.959963984540054 ** 2), 10);
    const none = wilsonInterval(0, 10);
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(1, 1).low).toBeCloseTo(0.2065, 4);
  });

  it("refuses counts that are not a proportion", () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0.5, 2)).toThrow(RangeError);
  });

  it("always contains the estimate and stays within [0, 1] (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))),
        ([successes, n]) => {
          const w = wilsonInterval(successes, n);
          expect(w.low).toBeGreaterThanOrEqual(0);
          expect(w.high).toBeLessThanOrEqual(1);
          expect(w.low).toBeLessThanOrEqual(w.high);
          if (n > 0) {
            expect(w.low).toBeLessThanOrEqual(w.rate!);
            expect(w.high).toBeGreaterThanOrEqual(w.rate!);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("narrows as the sample grows at the same rate", () => {
    const widths = [10, 100, 1000].map((n) => {
      const w = wilsonInterval(n * 0.7, n);
      return w.high - w.low;
    });
    expect(widths[0]).toBeGreaterThan(widths[1]!);
    expect(widths[1]).toBeGreaterThan(widths[2]!);
  });
});

describe("proportionDifference (Newcombe's hybrid score interval)", () => {
  it("matches Newcombe's worked example 56/70 − 48/80: 0.2 (0.0524 to 0.3339)", () => {
    const d = proportionDifference(wilsonInterval(48, 80), wilsonInterval(56, 70));
    expect(d.difference).toBeCloseTo(0.2, 10);
    expect(d.low).toBeCloseTo(0.0524, 4);
    expect(d.high).toBeCloseTo(0.3339, 4);
  });

  it("knows nothing when an arm has no runs", () => {
    expect(proportionDifference(wilsonInterval(0, 0), wilsonInterval(5, 10))).toEqual({ difference: null, low: -1, high: 1 });
  });

  it("contains the difference and stays within [−1, 1] (property)", () => {
    const arm = fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(arm, arm, ([s1, n1], [s2, n2]) => {
        const d = proportionDifference(wilsonInterval(s1, n1), wilsonInterval(s2, n2));
        expect(d.low).toBeGreaterThanOrEqual(-1);
        expect(d.high).toBeLessThanOrEqual(1);
        expect(d.low).toBeLessThanOrEqual(d.difference!);
        expect(d.high).toBeGreaterThanOrEqual(d.difference!);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("compareProportions", () => {
  it("calls a clear improvement with enough runs significant: canary better", () => {
    const c = compareProportions({ successes: 60, n: 100 }, { successes: 85, n: 100 });
    expect(c.significant).toBe(true);
    expect(c.verdict).toBe("canary_better");
    expect(c.low).toBeGreaterThan(0);
  });

  it("calls a clear regression canary worse", () => {
    const c = compareProportions({ successes: 85, n: 100 }, { successes: 60, n: 100 });
    expect(c.verdict).toBe("canary_worse");
    expect(c.high).toBeLessThan(0);
  });

  it("never claims a winner on ten runs per arm, even at 10/10 against 2/10", () => {
    const c = compareProportions({ successes: 2, n: 10 }, { successes: 10, n: 10 });
    expect(c.low).toBeGreaterThan(0); // the interval alone would say "better"…
    expect(c.significant).toBe(false); // …but the sample is too small to say it
    expect(c.verdict).toBe("too_few_runs");
    expect(verdictText(c, { control: "v3", canary: "v4" })).toBe(
      `No significant difference yet: need ≥ ${MIN_RUNS_PER_ARM} runs with an outcome per arm (v3 has 10, v4 10).`,
    );
  });

  it("says no significant difference when the interval spans zero with enough runs", () => {
    const c = compareProportions({ successes: 70, n: 100 }, { successes: 74, n: 100 });
    expect(c.low).toBeLessThan(0);
    expect(c.high).toBeGreaterThan(0);
    expect(c.verdict).toBe("no_significant_difference");
    expect(verdictText(c, { control: "v3", canary: "v4" })).toMatch(/^No significant difference yet: v4 succeeded in 74 % of 100 runs, v3 in 70 % of 100; difference \+4 points \(95 % CI −\d+ to \+\d+\)\.$/);
  });

  it("handles empty arms and a custom minimum", () => {
    expect(compareProportions({ successes: 0, n: 0 }, { successes: 0, n: 0 }).verdict).toBe("too_few_runs");
    expect(compareProportions({ successes: 2, n: 20 }, { successes: 18, n: 20 }, 20).verdict).toBe("canary_better");
  });
});

describe("meanInterval", () => {
  it("gives mean ± t·sd/√n for ten scores", () => {
    const summary = summarize([0.5, 0.6, 0.7, 0.8, 0.9, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(summary.mean).toBeCloseTo(0.7, 10);
    expect(summary.sd).toBeCloseTo(Math.sqrt(0.2 / 9), 10);
    const m = meanInterval(summary);
    expect(m.enough).toBe(true);
    expect(m.low).toBeCloseTo(0.5934, 4);
    expect(m.high).toBeCloseTo(0.8066, 4);
  });

  it("says too few below the minimum, and nothing for no scores", () => {
    expect(meanInterval(summarize([0.2, 0.4, 0.9]))).toEqual({ n: 3, mean: 0.5, low: null, high: null, enough: false });
    expect(meanInterval(summarize([]))).toEqual({ n: 0, mean: null, low: null, high: null, enough: false });
    expect(meanInterval(summarize([0.2, 0.4, 0.9]), { min: 3 }).enough).toBe(true);
  });

  it("clips to the score range and collapses when every score is the same", () => {
    expect(meanInterval(summarize(Array.from({ length: 12 }, () => 1)))).toMatchObject({ mean: 1, low: 1, high: 1 });
    const skewed = meanInterval(summarize([...Array.from({ length: 10 }, () => 1), 0]));
    expect(skewed.high).toBe(1);
  });

  it("contains the mean and stays within [0, 1] (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 10, maxLength: 200 }), (scores) => {
        const m = meanInterval(summarize(scores));
        expect(m.low!).toBeGreaterThanOrEqual(0);
        expect(m.high!).toBeLessThanOrEqual(1);
        expect(m.low!).toBeLessThanOrEqual(m.mean!);
        expect(m.high!).toBeGreaterThanOrEqual(m.mean!);
      }),
    );
  });

  it("uses Student's t for small samples, close to z for large ones", () => {
    expect(tCritical95(9)).toBe(2.262);
    expect(tCritical95(40)).toBeCloseTo(2.021, 3);
    expect(tCritical95(120)).toBeCloseTo(1.98, 3);
    expect(tCritical95(0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("formatting", () => {
  it("writes a proportion as rate (low–high)", () => {
    expect(formatProportion(wilsonInterval(80, 100))).toBe("80 % (71–87 %)");
    expect(formatProportion(wilsonInterval(0, 0))).toBe("—");
  });

  it("writes a difference in signed points", () => {
    expect(formatDifference({ difference: 0.2, low: 0.0524, high: 0.3339 })).toBe("+20 points (95 % CI +5 to +33)");
    expect(formatDifference({ difference: -0.08, low: -0.2, high: 0.001 })).toBe("−8 points (95 % CI −20 to ±0)");
  });
});
