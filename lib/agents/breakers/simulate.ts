/**
 * Replaying a breaker over history, as pure functions: given the samples of
 * its condition in time order (tool calls, looping runs, spend per minute,
 * decided escalations, long runs), when would it have fired, and on which
 * runs? The rules are those of the live breaker in observe mode
 * (conditions.ts): it is evaluated as each sample arrives, and once more when
 * a cool-down ends; after firing, the data that made it fire no longer counts
 * (its window restarts) and it cannot fire again before the cool-down is over.
 */
import { measureLoops, measureRejections, measureRunDuration, measureSpend, measureToolErrorRate, type Measure } from "./conditions";
import type { BreakerRule, EscalationsRejectedParams, LoopsParams, RunDurationParams, SpendHourParams, ToolErrorRateParams } from "./schemas";

export interface ReplayTrip {
  at: Date;
  value: number;
  message: string;
  runIds: string[];
}

/** The fewest trips a replay lists: beyond it, they are counted but not listed. */
export const MAX_LISTED_TRIPS = 200;

interface Sampled {
  /** Epoch milliseconds. */
  at: number;
}

/** The condition's state between samples: fed samples in order, asked whether it holds, and emptied when the breaker fires. */
interface Window<S extends Sampled> {
  add(sample: S): void;
  /** Cheap: whether the condition holds at `t` (samples up to `t` added). */
  holds(t: number): boolean;
  /** The full measure (value, message, runs), only asked when it holds. */
  measure(t: number): Measure;
  /** Everything up to `t` no longer counts. */
  restart(t: number): void;
}

export interface SimulationResult {
  trips: ReplayTrip[];
  /** Every trip, listed or not. */
  count: number;
}

function drive<S extends Sampled>(samples: readonly S[], window: Window<S>, coolDownMinutes: number, until: number): SimulationResult {
  const coolMs = coolDownMinutes * 60_000;
  const trips: ReplayTrip[] = [];
  let count = 0;
  let lastFired = -Infinity;
  /** When the last cool-down ends and the breaker is looked at once more (null: nothing pending). */
  let coolEnd: number | null = null;
  const fire = (t: number) => {
    const m = window.measure(t);
    count++;
    if (trips.length < MAX_LISTED_TRIPS) trips.push({ at: new Date(t), value: m.value, message: m.message, runIds: m.runIds });
    lastFired = t;
    window.restart(t);
    coolEnd = coolMs > 0 ? t + coolMs : null;
  };
  const atCoolEnd = (before: number) => {
    while (coolEnd !== null && coolEnd <= before && coolEnd <= until) {
      const t: number = coolEnd;
      coolEnd = null;
      if (window.holds(t)) fire(t);
    }
  };
  for (const sample of samples) {
    atCoolEnd(sample.at);
    window.add(sample);
    if (sample.at - lastFired >= coolMs && window.holds(sample.at)) fire(sample.at);
  }
  atCoolEnd(until);
  return { trips, count };
}

export interface ToolCallSample extends Sampled {
  failed: boolean;
  runId: string;
}

class ToolCallWindow implements Window<ToolCallSample> {
  private calls: ToolCallSample[] = [];
  private failed = 0;
  constructor(private readonly params: ToolErrorRateParams) {}
  add(s: ToolCallSample) {
    this.calls.push(s);
    if (s.failed) this.failed++;
    if (this.calls.length > this.params.window && this.calls.shift()!.failed) this.failed--;
  }
  holds() {
    const n = this.calls.length;
    return n >= this.params.minSample && (this.failed / n) * 100 > this.params.thresholdPct;
  }
  measure() {
    return measureToolErrorRate(this.params, [...this.calls].reverse());
  }
  restart() {
    this.calls = [];
    this.failed = 0;
  }
}

export interface LoopSample extends Sampled {
  runId: string;
}

class LoopWindow implements Window<LoopSample> {
  private runs: LoopSample[] = [];
  constructor(private readonly params: LoopsParams) {}
  private trim(t: number) {
    const since = t - this.params.windowMinutes * 60_000;
    while (this.runs.length && this.runs[0]!.at < since) this.runs.shift();
  }
  add(s: LoopSample) {
    this.runs.push(s);
  }
  holds(t: number) {
    this.trim(t);
    return this.runs.length >= this.params.runs;
  }
  measure(t: number) {
    this.trim(t);
    return measureLoops(this.params, [...this.runs].reverse().map((r) => r.runId));
  }
  restart() {
    this.runs = [];
  }
}

export interface SpendSample extends Sampled {
  costUsd: number;
  runIds: string[];
}

const HOUR_MS = 3_600_000;

class SpendWindow implements Window<SpendSample> {
  private buckets: SpendSample[] = [];
  private sum = 0;
  constructor(private readonly params: SpendHourParams) {}
  private trim(t: number) {
    while (this.buckets.length && this.buckets[0]!.at < t - HOUR_MS) this.sum -= this.buckets.shift()!.costUsd;
    if (this.buckets.length === 0) this.sum = 0;
  }
  add(s: SpendSample) {
    this.buckets.push(s);
    this.sum += s.costUsd;
  }
  holds(t: number) {
    this.trim(t);
    return this.sum > this.params.limitUsd;
  }
  measure(t: number) {
    this.trim(t);
    const exact = this.buckets.reduce((a, b) => a + b.costUsd, 0);
    return measureSpend(this.params, exact, [...this.buckets].reverse().flatMap((b) => b.runIds));
  }
  restart() {
    this.buckets = [];
    this.sum = 0;
  }
}

export interface DecisionSample extends Sampled {
  rejected: boolean;
  runId: string | null;
}

class RejectionWindow implements Window<DecisionSample> {
  private streak: DecisionSample[] = [];
  constructor(private readonly params: EscalationsRejectedParams) {}
  add(s: DecisionSample) {
    if (!s.rejected) this.streak = [];
    else if (this.streak.push(s) > this.params.count) this.streak.shift();
  }
  holds() {
    return this.streak.length >= this.params.count;
  }
  measure() {
    return measureRejections(this.params, [...this.streak].reverse());
  }
  restart() {
    this.streak = [];
  }
}

export interface LongRunSample {
  runId: string;
  startedAt: number;
  /** When it ended (or stopped sending), or now for a run still running. */
  endAt: number;
}

interface CrossingSample extends Sampled {
  run: LongRunSample;
}

class LongRunWindow implements Window<CrossingSample> {
  private crossed: LongRunSample[] = [];
  private since = -Infinity;
  constructor(private readonly params: RunDurationParams) {}
  private running(t: number) {
    // Time only moves forward here: a run that has ended never counts again.
    this.crossed = this.crossed.filter((r) => r.endAt > t);
    return this.crossed.filter((r) => r.startedAt >= this.since && r.startedAt + this.params.maxMinutes * 60_000 < t && r.endAt > t);
  }
  add(s: CrossingSample) {
    this.crossed.push(s.run);
  }
  holds(t: number) {
    return this.running(t).length > 0;
  }
  measure(t: number) {
    return measureRunDuration(
      this.params,
      this.running(t).map((r) => ({ runId: r.runId, minutes: (t - r.startedAt) / 60_000 })),
    );
  }
  restart(t: number) {
    // A run that started before the breaker fired does not fire it again.
    this.since = t + 1;
    this.crossed = this.crossed.filter((r) => r.startedAt > t);
  }
}

/** The moments long runs cross the limit (the first millisecond over it), in time order. */
export function runCrossings(params: RunDurationParams, runs: readonly LongRunSample[]): CrossingSample[] {
  const limit = params.maxMinutes * 60_000;
  return runs
    .filter((r) => r.endAt - r.startedAt > limit + 1)
    .map((run) => ({ at: run.startedAt + limit + 1, run }))
    .sort((a, b) => a.at - b.at);
}

export type ReplaySamples =
  | { condition: "TOOL_ERROR_RATE"; samples: ToolCallSample[] }
  | { condition: "LOOPS"; samples: LoopSample[] }
  | { condition: "SPEND_HOUR"; samples: SpendSample[] }
  | { condition: "ESCALATIONS_REJECTED"; samples: DecisionSample[] }
  | { condition: "RUN_DURATION"; samples: LongRunSample[] };

/** When the rule would have fired over these samples (time order), with this cool-down, up to `until`. */
export function simulate(rule: BreakerRule, samples: ReplaySamples, coolDownMinutes: number, until: Date): SimulationResult {
  const end = until.getTime();
  if (rule.condition !== samples.condition) throw new Error(`simulate: samples of ${samples.condition} for a ${rule.condition} rule`);
  switch (rule.condition) {
    case "TOOL_ERROR_RATE":
      return drive(samples.samples as ToolCallSample[], new ToolCallWindow(rule.params), coolDownMinutes, end);
    case "LOOPS":
      return drive(samples.samples as LoopSample[], new LoopWindow(rule.params), coolDownMinutes, end);
    case "SPEND_HOUR":
      return drive(samples.samples as SpendSample[], new SpendWindow(rule.params), coolDownMinutes, end);
    case "ESCALATIONS_REJECTED":
      return drive(samples.samples as DecisionSample[], new RejectionWindow(rule.params), coolDownMinutes, end);
    case "RUN_DURATION":
      return drive(runCrossings(rule.params, samples.samples as LongRunSample[]), new LongRunWindow(rule.params), coolDownMinutes, end);
  }
}
