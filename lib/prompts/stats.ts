/**
 * The statistics behind instruction drift and canary/A-B verdicts, pure (no
 * database): a 95 % Wilson interval for a proportion, Newcombe's difference of
 * two proportions, and a mean score with its interval. They exist so the
 * console never calls one arm "better" on a handful of runs: a verdict needs
 * an interval that excludes zero AND enough runs in each arm.
 */

/** The standard normal quantile for a two-sided 95 % interval. */
export const Z_95 = 1.959963984540054;

/** Runs with an outcome each arm needs before a difference may be called significant. */
export const MIN_RUNS_PER_ARM = 30;

/** Scored outputs needed before a mean score gets an interval. */
export const MIN_SCORES_FOR_INTERVAL = 10;

/** A proportion with its 95 % Wilson interval. With n = 0 nothing is known: no rate, the interval [0, 1]. */
export interface ProportionEstimate {
  successes: number;
  n: number;
  rate: number | null;
  low: number;
  high: number;
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

function assertCounts(successes: number, n: number): void {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || n < 0 || successes < 0 || successes > n) {
    throw new RangeError(`Not a proportion: ${successes} of ${n}.`);
  }
}

/**
 * Wilson's score interval: unlike the textbook p ± z·√(p(1−p)/n) it stays in
 * [0, 1] and does not collapse to a point at 0/n or n/n, which is exactly where
 * small samples of a new prompt version sit.
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): ProportionEstimate {
  assertCounts(successes, n);
  if (n === 0) return { successes, n, rate: null, low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0/n and n/n the bound is exactly the estimate; floating point would leave it a hair off.
  const low = successes === 0 ? 0 : clamp(center - half, 0, p);
  const high = successes === n ? 1 : clamp(center + half, p, 1);
  return { successes, n, rate: p, low, high };
}

/** canary − control, with its 95 % interval; when an arm has no runs nothing is known: [−1, 1]. */
export interface ProportionDifference {
  difference: number | null;
  low: number;
  high: number;
}

/**
 * Newcombe's hybrid score interval (his method 10) for the difference of two
 * independent proportions, built from each arm's Wilson interval: good
 * coverage at small n and near 0 or 1, where the Wald interval fails.
 */
export function proportionDifference(control: ProportionEstimate, canary: ProportionEstimate): ProportionDifference {
  if (control.rate === null || canary.rate === null) return { difference: null, low: -1, high: 1 };
  const d = canary.rate - control.rate;
  const low = d - Math.sqrt((canary.rate - canary.low) ** 2 + (control.high - control.rate) ** 2);
  const high = d + Math.sqrt((canary.high - canary.rate) ** 2 + (control.rate - control.low) ** 2);
  return { difference: d, low: clamp(low, -1, d), high: clamp(high, d, 1) };
}

export type ComparisonVerdict = "canary_better" | "canary_worse" | "no_significant_difference" | "too_few_runs";

export interface ProportionComparison extends ProportionDifference {
  control: ProportionEstimate;
  canary: ProportionEstimate;
  /** Runs with an outcome each arm needed. */
  minPerArm: number;
  /** The interval excludes 0 and each arm has at least `minPerArm` runs. */
  significant: boolean;
  verdict: ComparisonVerdict;
}

/** Two arms' success counts compared: the verdict is "better"/"worse" only when it is significant. */
export function compareProportions(
  control: { successes: number; n: number },
  canary: { successes: number; n: number },
  minPerArm = MIN_RUNS_PER_ARM,
): ProportionComparison {
  const a = wilsonInterval(control.successes, control.n);
  const b = wilsonInterval(canary.successes, canary.n);
  const diff = proportionDifference(a, b);
  const enough = a.n >= minPerArm && b.n >= minPerArm;
  const excludesZero = diff.difference !== null && (diff.low > 0 || diff.high < 0);
  const significant = enough && excludesZero;
  const verdict: ComparisonVerdict = !enough ? "too_few_runs" : !significant ? "no_significant_difference" : diff.low > 0 ? "canary_better" : "canary_worse";
  return { ...diff, control: a, canary: b, minPerArm, significant, verdict };
}

/** A mean of 0..1 scores with its 95 % interval; `low`/`high` are null when there are too few scores. */
export interface MeanEstimate {
  n: number;
  mean: number | null;
  low: number | null;
  high: number | null;
  /** At least the minimum number of scores for an interval. */
  enough: boolean;
}

/** What SQL's count, avg and stddev_samp give: enough to build an interval without the values. */
export interface MeanSummary {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n − 1); null below two values. */
  sd: number | null;
}

export function summarize(values: readonly number[]): MeanSummary {
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { n, mean, sd: null };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { n, mean, sd: Math.sqrt(variance) };
}

// Student's t, 95 % two-sided, for 1..30 degrees of freedom.
const T_95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The t quantile: from the table up to 30 degrees of freedom, then the Cornish–Fisher expansion around z (error < 0.001). */
export function tCritical95(df: number): number {
  if (df < 1) return Number.POSITIVE_INFINITY;
  if (df <= 30) return T_95[Math.floor(df) - 1]!;
  const z = Z_95;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/**
 * mean ± t·sd/√n (the normal approximation, with Student's t so a small n is
 * not over-confident), clipped to the score range. Below `min` scores: the
 * mean alone, no interval ("too few").
 */
export function meanInterval(summary: MeanSummary, options: { min?: number; bounds?: readonly [number, number] } = {}): MeanEstimate {
  const min = Math.max(2, options.min ?? MIN_SCORES_FOR_INTERVAL);
  const [lowest, highest] = options.bounds ?? [0, 1];
  const { n, mean, sd } = summary;
  if (mean === null || n < min || sd === null) return { n, mean, low: null, high: null, enough: false };
  const half = (tCritical95(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, low: clamp(mean - half, lowest, Math.min(mean, highest)), high: clamp(mean + half, Math.max(mean, lowest), highest), enough: true };
}

// ── words ──

/** 0.7234 → "72 %"; null → "—". */
export function formatPercent(value: number | null, digits = 0): string {
  return value === null ? "—" : `${(value * 100).toFixed(digits)} %`;
}

/** A proportion as "72 % (65–78 %)", or "—" with no data. */
export function formatProportion(p: ProportionEstimate): string {
  if (p.rate === null) return "—";
  return `${formatPercent(p.rate)} (${Math.round(p.low * 100)}–${formatPercent(p.high)})`;
}

/** Percentage points with a sign: 0.153 → "+15", −0.08 → "−8", 0.001 → "±0". */
export function signedPoints(value: number): string {
  const points = Math.round(value * 100);
  return `${points > 0 ? "+" : points < 0 ? "−" : "±"}${Math.abs(points)}`;
}

/** A difference with its interval: "+15 points (95 % CI +6 to +24)". */
export function formatDifference(d: ProportionDifference): string {
  if (d.difference === null) return "—";
  return `${signedPoints(d.difference)} points (95 % CI ${signedPoints(d.low)} to ${signedPoints(d.high)})`;
}

/** The verdict in words, for the comparison card and its screen-reader summary. */
export function verdictText(c: ProportionComparison, names: { control: string; canary: string } = { control: "control", canary: "canary" }): string {
  if (c.verdict === "too_few_runs") {
    return `No significant difference yet: need ≥ ${c.minPerArm} runs with an outcome per arm (${names.control} has ${c.control.n}, ${names.canary} ${c.canary.n}).`;
  }
  const lead = c.verdict === "canary_better" ? "Canary better" : c.verdict === "canary_worse" ? "Canary worse" : "No significant difference yet";
  return `${lead}: ${names.canary} succeeded in ${formatPercent(c.canary.rate)} of ${c.canary.n} runs, ${names.control} in ${formatPercent(c.control.rate)} of ${c.control.n}; difference ${formatDifference(c)}.`;
}
