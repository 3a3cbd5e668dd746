/**
 * The rules of breakers as pure functions, shared by ingestion (the hook),
 * the sweep job, the replay and the page: a condition in words, its
 * threshold, what a measurement means (crossed or not, the value, the runs
 * involved, the message an event records), and whether a breaker may fire now
 * (state, mode, cool-down). SQL only gathers the samples; these decide.
 */
import { CONDITION_LABELS, type BreakerConditionName, type BreakerModeName, type BreakerRule, type BreakerStateName, type ToolErrorRateParams } from "./schemas";

export const MAX_EVENT_RUNS = 20;

export interface Measure {
  /** The current value: a percentage, a count, dollars or minutes. */
  value: number;
  crossed: boolean;
  /** Runs that make up the value (failed calls' runs, looping runs…), newest first, at most MAX_EVENT_RUNS. */
  runIds: string[];
  /** One sentence, as a breaker event records it. */
  message: string;
}

const pct = (n: number) => `${Number(n.toFixed(1))} %`;
const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
const minutes = (n: number) => (n >= 120 && n % 60 === 0 ? plural(n / 60, "hour") : plural(n, "minute"));

/** "Tool error rate above 50 % over the last 20 tool calls (at least 10)". */
export function describeRule(rule: BreakerRule): string {
  switch (rule.condition) {
    case "TOOL_ERROR_RATE":
      return `Tool error rate above ${pct(rule.params.thresholdPct)} over the last ${plural(rule.params.window, "tool call")} (at least ${rule.params.minSample} calls)`;
    case "LOOPS":
      return `Loops detected in ${plural(rule.params.runs, "run")} within ${minutes(rule.params.windowMinutes)}`;
    case "SPEND_HOUR":
      return `Spend in the last hour above ${usd(rule.params.limitUsd)}`;
    case "ESCALATIONS_REJECTED":
      return `Escalations rejected ${plural(rule.params.count, "time")} in a row`;
    case "RUN_DURATION":
      return `A run running longer than ${minutes(rule.params.maxMinutes)}`;
  }
}

/** The number the value is compared with. */
export function thresholdOf(rule: BreakerRule): number {
  switch (rule.condition) {
    case "TOOL_ERROR_RATE":
      return rule.params.thresholdPct;
    case "LOOPS":
      return rule.params.runs;
    case "SPEND_HOUR":
      return rule.params.limitUsd;
    case "ESCALATIONS_REJECTED":
      return rule.params.count;
    case "RUN_DURATION":
      return rule.params.maxMinutes;
  }
}

/** A value in the condition's unit, for the page ("62 %", "$12.40", "3 runs", "45 minutes"). */
export function formatValue(condition: BreakerConditionName, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  switch (condition) {
    case "TOOL_ERROR_RATE":
      return pct(value);
    case "LOOPS":
      return plural(value, "looping run");
    case "SPEND_HOUR":
      return usd(value);
    case "ESCALATIONS_REJECTED":
      return plural(value, "rejection");
    case "RUN_DURATION":
      return plural(Math.floor(value), "minute");
  }
}

/** "above 50 %", "at least 3 runs": how the threshold reads beside the value. */
export function formatThreshold(rule: BreakerRule): string {
  switch (rule.condition) {
    case "TOOL_ERROR_RATE":
      return `above ${pct(rule.params.thresholdPct)}`;
    case "LOOPS":
      return `at least ${plural(rule.params.runs, "looping run")}`;
    case "SPEND_HOUR":
      return `above ${usd(rule.params.limitUsd)}`;
    case "ESCALATIONS_REJECTED":
      return `at least ${plural(rule.params.count, "rejection")}`;
    case "RUN_DURATION":
      return `above ${minutes(rule.params.maxMinutes)}`;
  }
}

export const conditionLabel = (c: BreakerConditionName) => CONDITION_LABELS[c];

const firstRuns = (ids: readonly (string | null)[]) => {
  const out: string[] = [];
  for (const id of ids) if (id && !out.includes(id) && out.push(id) >= MAX_EVENT_RUNS) break;
  return out;
};

/** Tool calls of the window, newest first (already cut at the window start): the last `window` of them decide. */
export function measureToolErrorRate(params: ToolErrorRateParams, calls: readonly { failed: boolean; runId: string }[]): Measure {
  const last = calls.slice(0, params.window);
  const failed = last.filter((c) => c.failed);
  const value = last.length === 0 ? 0 : (failed.length / last.length) * 100;
  const crossed = last.length >= params.minSample && value > params.thresholdPct;
  return {
    value,
    crossed,
    runIds: firstRuns(failed.map((c) => c.runId)),
    message: `Tool error rate ${pct(value)} over the last ${plural(last.length, "tool call")} (${failed.length} failed; threshold ${pct(params.thresholdPct)}, at least ${params.minSample} calls).`,
  };
}

/** Looping runs of the window (already cut at the window start and at T minutes ago), newest first. */
export function measureLoops(params: { runs: number; windowMinutes: number }, runIds: readonly string[]): Measure {
  const value = runIds.length;
  return {
    value,
    crossed: value >= params.runs,
    runIds: firstRuns(runIds),
    message: `Loops detected in ${plural(value, "run")} within ${minutes(params.windowMinutes)} (threshold ${plural(params.runs, "run")}).`,
  };
}

export function measureSpend(params: { limitUsd: number }, spendUsd: number, runIds: readonly string[]): Measure {
  return {
    value: spendUsd,
    crossed: spendUsd > params.limitUsd,
    runIds: firstRuns(runIds),
    message: `Spent ${usd(spendUsd)} in the last hour (limit ${usd(params.limitUsd)}).`,
  };
}

/** Decided escalations of the window, newest first: how many of the latest were rejected in a row. */
export function measureRejections(params: { count: number }, decisions: readonly { rejected: boolean; runId: string | null }[]): Measure {
  let streak = 0;
  while (streak < decisions.length && decisions[streak]!.rejected) streak++;
  return {
    value: streak,
    crossed: streak >= params.count,
    runIds: firstRuns(decisions.slice(0, streak).map((d) => d.runId)),
    message: `${plural(streak, "escalation")} rejected in a row (threshold ${params.count}).`,
  };
}

/** Running runs of the window with how long they have run (minutes), longest first. */
export function measureRunDuration(params: { maxMinutes: number }, runs: readonly { runId: string; minutes: number }[]): Measure {
  const value = runs.length ? Math.max(...runs.map((r) => r.minutes)) : 0;
  const over = runs.filter((r) => r.minutes > params.maxMinutes);
  return {
    value,
    crossed: over.length > 0,
    runIds: firstRuns(over.map((r) => r.runId)),
    message: over.length
      ? `${plural(over.length, "run")} running longer than ${minutes(params.maxMinutes)} (the longest ${plural(Math.floor(value), "minute")}).`
      : `No run running longer than ${minutes(params.maxMinutes)}.`,
  };
}

export interface FireState {
  mode: BreakerModeName;
  state: BreakerStateName;
  enabled: boolean;
  coolDownMinutes: number;
  lastFiredAt: Date | null;
  agentStatus: "ACTIVE" | "PAUSED" | "TRIPPED";
}

/**
 * May the breaker fire now? Enabled, not open, the cool-down since its last
 * firing over, and in enforce mode an active agent to trip (a paused or
 * tripped one stays as it is). Half-open breakers fire: their probe failed.
 */
export function mayFire(b: FireState, now: Date): boolean {
  if (!b.enabled || b.state === "OPEN") return false;
  if (b.mode === "ENFORCE" && b.agentStatus !== "ACTIVE") return false;
  return b.lastFiredAt === null || now.getTime() - b.lastFiredAt.getTime() >= b.coolDownMinutes * 60_000;
}

export type ProbeVerdict = "success" | "failure" | "pending";

/** What the run let through while half-open says: success closes the breaker, failure trips the agent again. */
export function probeVerdict(run: { status: string; outcome: string } | null): ProbeVerdict {
  if (!run) return "pending";
  if (run.status === "FAILED" || run.status === "STALLED" || run.outcome === "FAILURE") return "failure";
  if (run.status === "SUCCEEDED") return "success";
  return "pending";
}
