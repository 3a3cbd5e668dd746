/**
 * Cost per outcome: what a run, and a successful run, costs per agent and per
 * prompt version, next to what a call costs, so "the new version is cheaper
 * per call but costs more per resolved invoice" shows.
 *
 * Definitions (the page states them):
 * - Runs are those started in the range (Run.startedAt, UTC days inclusive).
 * - A run counts for its agent, and for each (prompt, version) its LLM calls
 *   used: a run that called two versions counts for both.
 * - Cost of the runs = the sum of their whole cost (Run.costUsd, priced calls).
 *   Cost per run = that ÷ runs; cost per successful run = that ÷ the runs
 *   whose outcome is SUCCESS (failed and unknown runs' spend is charged to the
 *   successes); none without a success, never Infinity.
 * - Cost per call = the spend of the calls in the range ÷ those calls (the
 *   rollup, as the report above it): priced calls only in the cost, all calls
 *   counted, so unpriced calls make it a lower bound (flagged).
 */
import "server-only";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { parsePromptKey, type SpendQuery } from "./report-schema";
import { describeGroup } from "./report";
import { toNanos } from "./csv";

const sql = Prisma.sql;

export interface CostPerOutcomeRow {
  key: string;
  label: string;
  /** Agent name, or prompt name and version, for links. */
  name: string;
  version: number;
  none: boolean;
  runs: number;
  successes: number;
  /** Runs with at least one unpriced call: their cost is a lower bound. */
  unpricedRuns: number;
  /** Exact decimal: the whole cost of the runs. */
  runCostUsd: string;
  calls: number;
  unpricedCalls: number;
  callCostUsd: string;
  costPerRun: number | null;
  costPerSuccessfulRun: number | null;
  /** null without a priced call. */
  costPerCall: number | null;
}

export interface CostPerOutcome {
  byAgent: CostPerOutcomeRow[];
  byPromptVersion: CostPerOutcomeRow[];
  /** Filters of the view that runs cannot be narrowed by (said on the page). */
  notApplied: string[];
}

/** At most this many rows per table (largest run cost first for agents). */
export const OUTCOME_ROWS = 100;

/** amount ÷ count, null when there is nothing to divide by. */
export function perUnit(amountUsd: string, count: number): number | null {
  if (count <= 0) return null;
  return Number(toNanos(amountUsd)) / 1e9 / count;
}

interface OutcomeSqlRow {
  gid: string;
  gver: number;
  name: string | null;
  runs: number;
  successes: number;
  unpriced_runs: number;
  run_cost: string;
  calls: number;
  unpriced_calls: number;
  call_cost: string;
}

function toRow(group: "agent" | "prompt", r: OutcomeSqlRow): CostPerOutcomeRow {
  const { key, label, ref } = describeGroup(group, r.gid, r.gver, r.name);
  return {
    key,
    label,
    name: ref.name,
    version: ref.version,
    none: ref.none,
    runs: r.runs,
    successes: r.successes,
    unpricedRuns: r.unpriced_runs,
    runCostUsd: r.run_cost,
    calls: r.calls,
    unpricedCalls: r.unpriced_calls,
    callCostUsd: r.call_cost,
    costPerRun: perUnit(r.run_cost, r.runs),
    costPerSuccessfulRun: perUnit(r.run_cost, r.successes),
    // Calls none of which had a price have no cost per call, not $0.
    costPerCall: r.calls > r.unpriced_calls ? perUnit(r.call_cost, r.calls) : null,
  };
}

/** Runs started in the range, narrowed by agent and team. */
function runConditions(query: SpendQuery): Prisma.Sql {
  const where = [
    sql`r."startedAt" >= ${new Date(`${query.from}T00:00:00Z`)}`,
    sql`r."startedAt" < ${new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000)}`,
  ];
  if (query.agent) where.push(sql`r."agentId" IN (SELECT id FROM "Agent" WHERE name = ${query.agent})`);
  if (query.team) where.push(sql`r."teamId" IN (SELECT id FROM "Team" WHERE name = ${query.team})`);
  return Prisma.join(where, " AND ");
}

/** The rollup rows of the range, narrowed by agent, team and (for calls) prompt. */
function callConditions(query: SpendQuery, withPrompt: boolean): Prisma.Sql {
  const where = [sql`s.day >= ${query.from}::date`, sql`s.day <= ${query.to}::date`];
  if (query.agent) where.push(sql`s."agentId" IN (SELECT id FROM "Agent" WHERE name = ${query.agent})`);
  if (query.team) where.push(sql`s."teamId" IN (SELECT id FROM "Team" WHERE name = ${query.team})`);
  if (withPrompt && query.prompt) {
    const { name, version } = parsePromptKey(query.prompt);
    where.push(sql`s."promptName" = ${name}`);
    if (version !== null) where.push(sql`s."promptVersion" = ${version}`);
  }
  return Prisma.join(where, " AND ");
}

const COST = (expr: Prisma.Sql) => sql`coalesce(${expr}, 0)::numeric(30, 9)::text`;

async function byAgent(query: SpendQuery): Promise<CostPerOutcomeRow[]> {
  const rows = await db.$queryRaw<OutcomeSqlRow[]>`
    WITH runs AS (
      SELECT coalesce(r."agentId", '') AS gid, count(*)::float8 AS runs,
        count(*) FILTER (WHERE r.outcome = 'SUCCESS')::float8 AS successes,
        count(*) FILTER (WHERE r."unpricedCount" > 0)::float8 AS unpriced_runs,
        sum(r."costUsd") AS run_cost
      FROM "Run" r
      WHERE ${runConditions(query)}
      GROUP BY 1
    ), calls AS (
      SELECT s."agentId" AS gid, sum(s.calls)::float8 AS calls, sum(s."unpricedCalls")::float8 AS unpriced_calls, sum(s."costUsd") AS call_cost
      FROM "SpendDaily" s
      WHERE ${callConditions(query, false)}
      GROUP BY 1
    )
    SELECT coalesce(runs.gid, calls.gid) AS gid, 0 AS gver,
      (SELECT a.name FROM "Agent" a WHERE a.id = coalesce(runs.gid, calls.gid)) AS name,
      coalesce(runs.runs, 0) AS runs, coalesce(runs.successes, 0) AS successes, coalesce(runs.unpriced_runs, 0) AS unpriced_runs,
      ${COST(sql`runs.run_cost`)} AS run_cost,
      coalesce(calls.calls, 0) AS calls, coalesce(calls.unpriced_calls, 0) AS unpriced_calls, ${COST(sql`calls.call_cost`)} AS call_cost
    FROM runs FULL JOIN calls ON calls.gid = runs.gid
    ORDER BY coalesce(runs.run_cost, 0) DESC, coalesce(calls.call_cost, 0) DESC, 1
    LIMIT ${OUTCOME_ROWS}`;
  return rows.map((r) => toRow("agent", r));
}

/**
 * Per (prompt, version): the runs whose LLM calls used it (RunPromptVersion,
 * recorded at ingestion: one row per run and version, so a run that called
 * two versions counts for both), their outcomes and cost, and the version's
 * calls in the range from the rollup. Never reads the steps.
 */
async function byPromptVersion(query: SpendQuery): Promise<CostPerOutcomeRow[]> {
  let promptFilter = Prisma.empty;
  if (query.prompt) {
    const { name, version } = parsePromptKey(query.prompt);
    promptFilter = version === null ? sql`AND u."promptName" = ${name}` : sql`AND u."promptName" = ${name} AND u."promptVersion" = ${version}`;
  }
  const rows = await db.$queryRaw<OutcomeSqlRow[]>`
    WITH per_version AS (
      SELECT u."promptName" AS gid, u."promptVersion" AS gver, count(*)::float8 AS runs,
        count(*) FILTER (WHERE r.outcome = 'SUCCESS')::float8 AS successes,
        count(*) FILTER (WHERE r."unpricedCount" > 0)::float8 AS unpriced_runs,
        sum(r."costUsd") AS run_cost
      FROM "Run" r JOIN "RunPromptVersion" u ON u."runId" = r.id
      WHERE ${runConditions(query)} ${promptFilter}
      GROUP BY 1, 2
    ), calls AS (
      SELECT s."promptName" AS gid, s."promptVersion" AS gver, sum(s.calls)::float8 AS calls,
        sum(s."unpricedCalls")::float8 AS unpriced_calls, sum(s."costUsd") AS call_cost
      FROM "SpendDaily" s
      WHERE ${callConditions(query, true)} AND s."promptName" <> ''
      GROUP BY 1, 2
    )
    SELECT coalesce(p.gid, c.gid) AS gid, coalesce(p.gver, c.gver) AS gver, NULL::text AS name,
      coalesce(p.runs, 0) AS runs, coalesce(p.successes, 0) AS successes, coalesce(p.unpriced_runs, 0) AS unpriced_runs,
      ${COST(sql`p.run_cost`)} AS run_cost,
      coalesce(c.calls, 0) AS calls, coalesce(c.unpriced_calls, 0) AS unpriced_calls, ${COST(sql`c.call_cost`)} AS call_cost
    FROM per_version p FULL JOIN calls c ON c.gid = p.gid AND c.gver = p.gver
    ORDER BY 1, 2 DESC
    LIMIT ${OUTCOME_ROWS}`;
  return rows.map((r) => toRow("prompt", r));
}

/** Both tables for a spend view (its range, agent and team; the prompt filter narrows the versions). */
export async function getCostPerOutcome(query: SpendQuery): Promise<CostPerOutcome> {
  const [agents, versions] = await Promise.all([byAgent(query), byPromptVersion(query)]);
  const notApplied: string[] = [];
  if (query.model) notApplied.push("model (runs are not of one model)");
  if (query.prompt) notApplied.push("prompt, in the per-agent table");
  return { byAgent: agents, byPromptVersion: versions, notApplied };
}
