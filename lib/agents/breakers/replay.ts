/**
 * "Replay the last 30 days": when a breaker (saved, or a draft from the form)
 * would have fired on this agent's stored telemetry, and on which runs,
 * respecting its cool-down between trips: the samples of its condition read
 * with bounded SQL, then simulate.ts.
 *
 * Bounded: each read walks one index of the agent newest first and stops at
 * REPLAY_SAMPLE_LIMIT samples (tool calls read from at most REPLAY_RUN_LIMIT
 * most recently active runs; spend and durations from at most
 * REPLAY_RUN_LIMIT runs); when it stops short of 30 days, the result says from
 * when it covers. Where history differs from the live measure: spend counts
 * each run's total at its start minute (the live measure cuts long runs at
 * the hour); a run that is not running any more counts until its end or its
 * last step.
 */
import "server-only";
import { readQuery } from "@/lib/db";
import { describeRule, formatValue } from "./conditions";
import type { BreakerRule } from "./schemas";
import { simulate, type ReplaySamples } from "./simulate";

export const REPLAY_DAYS = 30;
export const REPLAY_SAMPLE_LIMIT = 100_000;
export const REPLAY_RUN_LIMIT = 20_000;

export interface ReplayInput {
  agentId: string;
  rule: BreakerRule;
  coolDownMinutes: number;
}

export interface ReplayTripJson {
  at: string;
  value: number;
  valueText: string;
  message: string;
  runIds: string[];
}

export interface ReplayResult {
  days: number;
  from: string;
  to: string;
  condition: string;
  description: string;
  coolDownMinutes: number;
  /** Samples read (tool calls, looping runs, minutes with spend, decisions, runs). */
  scanned: number;
  truncated: boolean;
  /** The oldest sample read: the replay covers from here when truncated. */
  coveredFrom: string | null;
  /** Every time it would have fired; `trips` lists the first ones (simulate.ts's MAX_LISTED_TRIPS). */
  count: number;
  trips: ReplayTripJson[];
  summary: string;
}

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

async function samplesOf(input: ReplayInput, from: Date, to: Date): Promise<{ samples: ReplaySamples; scanned: number; truncated: boolean; oldest: number | null }> {
  const range = [input.agentId, from.toISOString(), to.toISOString()];
  switch (input.rule.condition) {
    case "TOOL_ERROR_RATE": {
      const rows = await readQuery<{ at: number; failed: boolean; runId: string; runs: number }>(
        `WITH runs AS (SELECT r."id" FROM "Run" r WHERE r."agentId" = $1 AND r."lastStepAt" >= $2::timestamp ORDER BY r."lastStepAt" DESC LIMIT $5),
              n AS (SELECT count(*)::int AS runs FROM runs)
         SELECT ${ms(`s."startedAt"`)} AS "at", s."status" = 'FAILED' AS "failed", s."runId", n.runs
         FROM runs JOIN "Step" s ON s."runId" = runs."id" CROSS JOIN n
         WHERE s."kind" = 'TOOL_CALL' AND s."startedAt" >= $2::timestamp AND s."startedAt" <= $3::timestamp
         ORDER BY s."startedAt" DESC LIMIT $4`,
        [...range, REPLAY_SAMPLE_LIMIT, REPLAY_RUN_LIMIT],
      );
      const asc = rows.reverse().map(({ at, failed, runId }) => ({ at, failed, runId }));
      return {
        samples: { condition: "TOOL_ERROR_RATE", samples: asc },
        scanned: asc.length,
        truncated: asc.length >= REPLAY_SAMPLE_LIMIT || (rows[0]?.runs ?? 0) >= REPLAY_RUN_LIMIT,
        oldest: asc[0]?.at ?? null,
      };
    }
    case "LOOPS": {
      const rows = await readQuery<{ at: number; runId: string }>(
        `SELECT ${ms(`r."lastStepAt"`)} AS "at", r."id" AS "runId" FROM "Run" r
         WHERE r."agentId" = $1 AND r."flagLoop" AND r."lastStepAt" >= $2::timestamp AND r."lastStepAt" <= $3::timestamp
         ORDER BY r."lastStepAt" DESC LIMIT $4`,
        [...range, REPLAY_SAMPLE_LIMIT],
      );
      const asc = rows.reverse();
      return { samples: { condition: "LOOPS", samples: asc }, scanned: asc.length, truncated: asc.length >= REPLAY_SAMPLE_LIMIT, oldest: asc[0]?.at ?? null };
    }
    case "SPEND_HOUR": {
      const rows = await readQuery<{ at: number; costUsd: number; runIds: string[]; runs: number; oldest: number | null }>(
        `WITH runs AS (SELECT r."id", r."startedAt", r."costUsd" FROM "Run" r
                       WHERE r."agentId" = $1 AND r."startedAt" >= $2::timestamp AND r."startedAt" <= $3::timestamp
                       ORDER BY r."startedAt" DESC LIMIT $4),
              n AS (SELECT count(*)::int AS runs, min(${ms(`"startedAt"`)}) AS oldest FROM runs)
         SELECT ${ms(`date_trunc('minute', runs."startedAt")`)} AS "at", sum(runs."costUsd")::float8 AS "costUsd",
                (array_agg(runs."id" ORDER BY runs."costUsd" DESC))[1:5] AS "runIds", n.runs, n.oldest
         FROM runs CROSS JOIN n WHERE runs."costUsd" > 0 GROUP BY 1, n.runs, n.oldest ORDER BY 1`,
        [...range, REPLAY_RUN_LIMIT * 5],
      );
      const runs = rows[0]?.runs ?? 0;
      return {
        samples: { condition: "SPEND_HOUR", samples: rows.map((r) => ({ at: r.at, costUsd: r.costUsd, runIds: r.runIds })) },
        scanned: runs,
        truncated: runs >= REPLAY_RUN_LIMIT * 5,
        oldest: rows[0]?.oldest ?? null,
      };
    }
    case "ESCALATIONS_REJECTED": {
      const rows = await readQuery<{ at: number; rejected: boolean; runId: string | null }>(
        `SELECT ${ms(`e."decidedAt"`)} AS "at", e."status" = 'REJECTED' AS "rejected", e."runId" FROM "Escalation" e
         WHERE e."agentId" = $1 AND e."status" IN ('APPROVED', 'REJECTED') AND e."decidedAt" >= $2::timestamp AND e."decidedAt" <= $3::timestamp
         ORDER BY e."decidedAt" DESC LIMIT $4`,
        [...range, REPLAY_SAMPLE_LIMIT],
      );
      const asc = rows.reverse();
      return { samples: { condition: "ESCALATIONS_REJECTED", samples: asc }, scanned: asc.length, truncated: asc.length >= REPLAY_SAMPLE_LIMIT, oldest: asc[0]?.at ?? null };
    }
    case "RUN_DURATION": {
      const rows = await readQuery<{ runId: string; startedAt: number; endAt: number; runs: number; oldest: number | null }>(
        `WITH runs AS (SELECT r."id", r."startedAt", COALESCE(r."endedAt", CASE WHEN r."status" = 'RUNNING' THEN $3::timestamp ELSE r."lastStepAt" END) AS "endAt"
                       FROM "Run" r WHERE r."agentId" = $1 AND r."startedAt" >= $2::timestamp - make_interval(mins => $5::int) AND r."startedAt" <= $3::timestamp
                       ORDER BY r."startedAt" DESC LIMIT $4),
              n AS (SELECT count(*)::int AS runs, min(${ms(`"startedAt"`)}) AS oldest FROM runs)
         SELECT runs."id" AS "runId", ${ms(`runs."startedAt"`)} AS "startedAt", ${ms(`runs."endAt"`)} AS "endAt", n.runs, n.oldest
         FROM runs CROSS JOIN n WHERE runs."endAt" - runs."startedAt" > make_interval(mins => $5::int) ORDER BY runs."startedAt"`,
        [...range, REPLAY_RUN_LIMIT * 5, input.rule.params.maxMinutes],
      );
      const runs = rows[0]?.runs ?? 0;
      // Only runs over the limit come back (a run started before the window that crossed in it counts).
      const samples = rows.map(({ runId, startedAt, endAt }) => ({ runId, startedAt, endAt }));
      return { samples: { condition: "RUN_DURATION", samples }, scanned: runs, truncated: runs >= REPLAY_RUN_LIMIT * 5, oldest: rows[0]?.oldest ?? null };
    }
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** When the rule would have fired on this agent over the last 30 days. */
export async function replayBreaker(input: ReplayInput, now: Date = new Date()): Promise<ReplayResult> {
  const from = new Date(now.getTime() - REPLAY_DAYS * 86_400_000);
  const { samples, scanned, truncated, oldest } = await samplesOf(input, from, now);
  const result = simulate(input.rule, samples, input.coolDownMinutes, now);
  const covered = truncated && oldest !== null ? new Date(oldest) : null;
  const trips = result.trips
    .filter((t) => t.at.getTime() >= from.getTime())
    .map((t) => ({ at: t.at.toISOString(), value: t.value, valueText: formatValue(input.rule.condition, t.value), message: t.message, runIds: t.runIds }));
  const span = covered ? `since ${covered.toISOString().slice(0, 16).replace("T", " ")} UTC (the newest ${plural(scanned, "sample")}; the 30 days had more)` : `in the last ${REPLAY_DAYS} days`;
  const summary =
    result.count === 0
      ? `Would not have fired ${span}.`
      : `Would have fired ${plural(result.count, "time")} ${span}, with a ${plural(input.coolDownMinutes, "minute")} cool-down between trips.`;
  return {
    days: REPLAY_DAYS,
    from: from.toISOString(),
    to: now.toISOString(),
    condition: input.rule.condition.toLowerCase(),
    description: describeRule(input.rule),
    coolDownMinutes: input.coolDownMinutes,
    scanned,
    truncated,
    coveredFrom: covered?.toISOString() ?? null,
    count: result.count,
    trips,
    summary,
  };
}
