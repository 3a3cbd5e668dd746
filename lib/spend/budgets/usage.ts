/**
 * What each budget has used this month: the month's spend from the monthly
 * rollup (`SpendMonthly`, maintained by ingestion) and what open
 * reservations still hold. The same SQL serves the read-only check, the
 * reservation (inside its lock), the budget list and the alerts job, so every
 * surface agrees on "remaining".
 *
 * A budget applies to a call by its scope: the organisation's to every call,
 * a team's to calls of runs of that team, an agent's to that agent's calls.
 * Reservations count by the agent (and the agent's team when it reserved).
 */

/**
 * Columns of a budget's use. $1 = first day of the month (date), $2 = now (UTC timestamp).
 * One branch per scope, so each sum walks its own index (PostgreSQL runs only
 * the branch a row takes): SpendMonthly by (month, teamId) or (month, agentId)
 * and the open reservations by agent, team or expiry (fd_budget_reservation_*).
 */
const perScope = (sum: string, from: string, where: string, cast: string) => `
  CASE b."scope"
    WHEN 'AGENT' THEN (SELECT COALESCE(SUM(${sum}), 0) FROM ${from} WHERE ${where} AND x."agentId" = b."agentId")
    WHEN 'TEAM' THEN (SELECT COALESCE(SUM(${sum}), 0) FROM ${from} WHERE ${where} AND x."teamId" = b."teamId")
    ELSE (SELECT COALESCE(SUM(${sum}), 0) FROM ${from} WHERE ${where})
  END::${cast}`;

/** A budget's spend this month ($1 = first day of the month), as `cast`: the figure the check and the alerts job share. */
export const budgetSpentSql = (cast: "text" | "numeric") => perScope(`x."costUsd"`, `"SpendMonthly" x`, `x."month" = $1::date`, cast);

export const BUDGET_USAGE_COLUMNS = `
  ${budgetSpentSql("text")} AS "spentUsd",
  ${perScope(`x."unpricedCalls"`, `"SpendMonthly" x`, `x."month" = $1::date`, "int")} AS "unpricedCalls",
  ${perScope(`x."estimatedCostUsd"`, `"BudgetReservation" x`, `x."settledAt" IS NULL AND x."expiresAt" > $2::timestamp`, "text")} AS "reservedUsd"`;

/** The budgets that apply to an agent. $3 = agent id, $4 = the agent's team id (or null). */
export const BUDGETS_OF_AGENT = `(b."scope" = 'GLOBAL' OR (b."scope" = 'TEAM' AND b."teamId" = $4) OR (b."scope" = 'AGENT' AND b."agentId" = $3))`;

export interface BudgetUsageRow {
  id: string;
  name: string;
  scope: "GLOBAL" | "TEAM" | "AGENT";
  teamId: string | null;
  agentId: string | null;
  teamName: string | null;
  agentName: string | null;
  monthlyLimitUsd: string;
  hardCap: boolean;
  alertThresholds: number[];
  spentUsd: string;
  unpricedCalls: number;
  reservedUsd: string;
}

/** Budget rows with their use, tightest scope first; `where` filters `b` (e.g. BUDGETS_OF_AGENT). */
export function budgetUsageSql(where: string): string {
  return `SELECT b."id", b."name", b."scope"::text AS "scope", b."teamId", b."agentId", t."name" AS "teamName", a."name" AS "agentName",
                 b."monthlyLimitUsd"::text AS "monthlyLimitUsd", b."hardCap", b."alertThresholds", ${BUDGET_USAGE_COLUMNS}
          FROM "Budget" b
          LEFT JOIN "Team" t ON t."id" = b."teamId"
          LEFT JOIN "Agent" a ON a."id" = b."agentId"
          WHERE ${where}
          ORDER BY CASE b."scope" WHEN 'AGENT' THEN 0 WHEN 'TEAM' THEN 1 ELSE 2 END, b."id"`;
}

/** Cents-exact arithmetic on the numeric strings PostgreSQL returns (9 decimals at most). */
export const NANO = 1_000_000_000n;

export function toNano(value: string | number): bigint {
  const text = typeof value === "number" ? value.toFixed(9) : value.trim();
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const nano = BigInt(whole || "0") * NANO + BigInt((fraction + "000000000").slice(0, 9));
  return negative ? -nano : nano;
}

export const fromNano = (nano: bigint): number => Number(nano) / 1e9;

export interface BudgetUse {
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  /** limit − spent − reserved, never below 0. */
  remainingUsd: number;
  /** Nano-dollars, for exact comparisons. */
  remainingNano: bigint;
}

export function budgetUseOf(row: Pick<BudgetUsageRow, "monthlyLimitUsd" | "spentUsd" | "reservedUsd">): BudgetUse {
  const limit = toNano(row.monthlyLimitUsd);
  const spent = toNano(row.spentUsd);
  const reserved = toNano(row.reservedUsd);
  const remaining = limit - spent - reserved;
  const clamped = remaining > 0n ? remaining : 0n;
  return { limitUsd: fromNano(limit), spentUsd: fromNano(spent), reservedUsd: fromNano(reserved), remainingUsd: fromNano(clamped), remainingNano: remaining };
}
