/**
 * Reads for budgets: each budget with this month's use, forecast and
 * burn-down, its alerts and any change waiting on it; alerts and anomalies
 * for the Overview. The JSON of `/api/v1/budgets` is built from the same view.
 */
import "server-only";
import "@/lib/changes/appliers";
import { db, readQuery } from "@/lib/db";
import { BUDGET_TARGET, budgetIdOf } from "./applier";
import { forecast, type BurnDownPoint } from "./forecast";
import { DAY_MS, periodOf, utcDay } from "./period";
import { targetKey, type BudgetScopeName, type BudgetTarget } from "./schemas";
import { budgetUsageSql, budgetUseOf, type BudgetUsageRow } from "./usage";

export interface BudgetAlertView {
  threshold: number;
  spentUsd: number;
  at: string;
}

export interface BudgetView {
  id: string;
  name: string;
  scope: BudgetScopeName;
  team: string | null;
  agent: string | null;
  /** change control's target id: organisation, team:<name>, agent:<name>. */
  target: string;
  period: string;
  monthlyLimitUsd: number;
  thresholds: number[];
  hardCap: boolean;
  spentUsd: number;
  reservedUsd: number;
  remainingUsd: number;
  /** Share of the limit spent, 0..∞ (1 = 100 %). */
  usedShare: number;
  unpricedCalls: number;
  forecastUsd: number;
  rateUsdPerDay: number;
  runOutAt: string | null;
  alreadyExceeded: boolean;
  burnDown: BurnDownPoint[];
  alerts: BudgetAlertView[];
  pendingChange: { id: string; title: string } | null;
}

const SCOPES = { GLOBAL: "organisation", TEAM: "team", AGENT: "agent" } as const;

function targetOfRow(row: BudgetUsageRow): BudgetTarget {
  return row.scope === "GLOBAL" ? { scope: "organisation" } : row.scope === "TEAM" ? { scope: "team", team: row.teamName! } : { scope: "agent", agent: row.agentName! };
}

/** Cost per UTC day for a budget's scope, from `from` to `to` (inclusive). */
async function dailyOf(row: BudgetUsageRow, from: string, to: string): Promise<Map<string, number>> {
  const rows = await readQuery<{ day: string; cost: string }>(
    `SELECT to_char(d."day", 'YYYY-MM-DD') AS day, SUM(d."costUsd")::text AS cost
     FROM "SpendDaily" d
     WHERE d."day" BETWEEN $1::date AND $2::date
       AND ($3::text = 'GLOBAL' OR ($3 = 'TEAM' AND d."teamId" = $4) OR ($3 = 'AGENT' AND d."agentId" = $5))
     GROUP BY d."day"`,
    [from, to, row.scope, row.teamId ?? "", row.agentId ?? ""],
  );
  return new Map(rows.map((r) => [r.day, Number(r.cost)]));
}

async function viewsOf(where: string, values: unknown[], now: Date): Promise<BudgetView[]> {
  const period = periodOf(now);
  const rows = await readQuery<BudgetUsageRow>(budgetUsageSql(where), [utcDay(period.start), now.toISOString(), ...values]);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const targets = rows.map((r) => targetKey(targetOfRow(r)));
  const [alerts, pending] = await Promise.all([
    db.budgetAlert.findMany({ where: { budgetId: { in: ids }, period: period.key }, orderBy: { threshold: "asc" } }),
    db.change.findMany({ where: { targetType: BUDGET_TARGET, targetId: { in: targets }, status: "PENDING" }, select: { id: true, title: true, targetId: true } }),
  ]);
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const from = utcDay(new Date(Math.min(period.start.getTime(), today.getTime() - 7 * DAY_MS)));
  return Promise.all(
    rows.map(async (row) => {
      const use = budgetUseOf(row);
      const daily = await dailyOf(row, from, utcDay(today));
      const f = forecast({ now, limitUsd: use.limitUsd, daily });
      const target = targetKey(targetOfRow(row));
      const waiting = pending.find((c) => c.targetId === target);
      return {
        id: row.id,
        name: row.name,
        scope: SCOPES[row.scope],
        team: row.teamName,
        agent: row.agentName,
        target,
        period: period.key,
        monthlyLimitUsd: use.limitUsd,
        thresholds: [...row.alertThresholds].sort((a, b) => a - b),
        hardCap: row.hardCap,
        spentUsd: use.spentUsd,
        reservedUsd: use.reservedUsd,
        remainingUsd: use.remainingUsd,
        usedShare: use.limitUsd > 0 ? use.spentUsd / use.limitUsd : use.spentUsd > 0 ? Infinity : 0,
        unpricedCalls: row.unpricedCalls,
        forecastUsd: f.projectedUsd,
        rateUsdPerDay: f.rateUsdPerDay,
        runOutAt: f.runOutAt?.toISOString() ?? null,
        alreadyExceeded: f.alreadyExceeded,
        burnDown: f.burnDown,
        alerts: alerts.filter((a) => a.budgetId === row.id).map((a) => ({ threshold: a.threshold, spentUsd: Number(a.spentUsd), at: a.createdAt.toISOString() })),
        pendingChange: waiting ? { id: waiting.id, title: waiting.title } : null,
      };
    }),
  );
}

export const listBudgets = (now = new Date()) => viewsOf("TRUE", [], now);

export async function getBudget(id: string, now = new Date()): Promise<BudgetView | null> {
  const [view] = await viewsOf(`b."id" = $3`, [id], now);
  return view ?? null;
}

/** The id of the budget of a target, if it has one. */
export const budgetIdOfTarget = (target: BudgetTarget) => budgetIdOf(db, target);

/** The API's budget: the contract's fields, plus what the console shows. */
export function budgetJson(view: BudgetView) {
  return {
    id: view.id,
    scope: view.scope,
    team: view.team,
    agent: view.agent,
    monthlyLimitUsd: view.monthlyLimitUsd,
    thresholds: view.thresholds,
    hardCap: view.hardCap,
    spentUsd: view.spentUsd,
    reservedUsd: view.reservedUsd,
    remainingUsd: view.remainingUsd,
    forecastUsd: view.forecastUsd,
    runOutAt: view.runOutAt,
    period: view.period,
    unpricedCalls: view.unpricedCalls,
    alerts: view.alerts,
    pendingChange: view.pendingChange ? { ...view.pendingChange, url: `/changes/${view.pendingChange.id}` } : null,
  };
}
export type BudgetJson = ReturnType<typeof budgetJson>;

export interface AlertListItem {
  id: string;
  budgetId: string;
  budget: string;
  threshold: number;
  period: string;
  spentUsd: number;
  at: string;
}

/** The newest threshold crossings (Overview, spend page). */
export async function recentAlerts(limit = 8, since = new Date(Date.now() - 31 * DAY_MS)): Promise<AlertListItem[]> {
  const rows = await db.budgetAlert.findMany({
    where: { createdAt: { gte: since } },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: { id: true, budgetId: true, threshold: true, period: true, spentUsd: true, createdAt: true, budget: { select: { name: true } } },
  });
  return rows.map((r) => ({ id: r.id, budgetId: r.budgetId, budget: r.budget.name, threshold: r.threshold, period: r.period, spentUsd: Number(r.spentUsd), at: r.createdAt.toISOString() }));
}

export interface AnomalyListItem {
  id: string;
  agent: string;
  hourStart: string;
  costUsd: number;
  baselineUsd: number;
}

/** Agents flagged in the last 24 hours. */
export async function recentAnomalies(limit = 8, now = new Date()): Promise<AnomalyListItem[]> {
  const rows = await db.spendAnomaly.findMany({
    where: { hourStart: { gte: new Date(now.getTime() - DAY_MS) } },
    orderBy: { hourStart: "desc" },
    take: limit,
    select: { id: true, hourStart: true, costUsd: true, baselineUsd: true, agent: { select: { name: true } } },
  });
  return rows.map((r) => ({ id: r.id, agent: r.agent.name, hourStart: r.hourStart.toISOString(), costUsd: Number(r.costUsd), baselineUsd: Number(r.baselineUsd) }));
}

/** Teams and agents a budget can be set on (the form's choices). */
export async function budgetTargets(): Promise<{ teams: string[]; agents: string[] }> {
  const [teams, agents] = await Promise.all([
    db.team.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
    db.agent.findMany({ select: { name: true }, orderBy: { name: "asc" } }),
  ]);
  return { teams: teams.map((t) => t.name), agents: agents.map((a) => a.name) };
}

export interface SpendNow {
  todayUsd: number;
  monthUsd: number;
  monthUnpricedCalls: number;
  /** The organisation's budget this month, if one is set. */
  organisation: { id: string; monthlyLimitUsd: number; forecastUsd: number } | null;
}

/** Spend today and this month (UTC), for the Overview. */
export async function spendNow(now = new Date()): Promise<SpendNow> {
  const period = periodOf(now);
  const [[today], [month], org] = await Promise.all([
    readQuery<{ cost: string }>(`SELECT COALESCE(SUM("costUsd"), 0)::text AS cost FROM "SpendDaily" WHERE "day" = $1::date`, [utcDay(now)]),
    readQuery<{ cost: string; unpriced: number }>(`SELECT COALESCE(SUM("costUsd"), 0)::text AS cost, COALESCE(SUM("unpricedCalls"), 0)::int AS unpriced FROM "SpendMonthly" WHERE "month" = $1::date`, [utcDay(period.start)]),
    viewsOf(`b."scope" = 'GLOBAL'`, [], now),
  ]);
  const o = org[0];
  return {
    todayUsd: Number(today?.cost ?? 0),
    monthUsd: Number(month?.cost ?? 0),
    monthUnpricedCalls: month?.unpriced ?? 0,
    organisation: o ? { id: o.id, monthlyLimitUsd: o.monthlyLimitUsd, forecastUsd: o.forecastUsd } : null,
  };
}
