/**
 * What each budget has used this month: the month's spend from the monthly
 * rollup (`SpendMonthly`, maintained by ingestion) and what open
 * reservations still hold (the reserved totals: README.md). Defined once, in
 * SQL (`fd_budget_usage`, migration 20261201164237_reservation_totals), which
 * the read-only check, the reservation (inside its lock), the budget list and
 * the alerts job all read, so every surface agrees on "remaining".
 *
 * A budget applies to a call by its scope: the organisation's to every call,
 * a team's to calls of runs of that team, an agent's to that agent's calls.
 * Reservations count by the agent (and the agent's team when it reserved).
 */

/** A row of `fd_budget_usage` (money as the exact decimal strings PostgreSQL returns). */
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

/** Budget rows with their use, tightest scope first; `where` filters the budgets `b`. $1 = first day of the month, $2 = now (UTC). */
export function budgetUsageSql(where: string): string {
  return `SELECT u.* FROM fd_budget_usage($1::date, $2::timestamp, ARRAY(SELECT b."id" FROM "Budget" b WHERE ${where})) u
          ORDER BY CASE u."scope" WHEN 'AGENT' THEN 0 WHEN 'TEAM' THEN 1 ELSE 2 END, u."id"`;
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
