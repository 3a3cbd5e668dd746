/**
 * Budget alerts: a threshold crossing is recorded once per budget, threshold
 * and month (the unique key of BudgetAlert), shown on the Overview and the
 * spend page, and sent as a `budget.threshold_crossed` webhook event.
 *
 * A job reads the monthly rollup every few seconds instead of a hook checking
 * in the ingestion transaction: ingestion is then never slowed by it, nor
 * blocked when two requests cross the same threshold at once. One INSERT …
 * ON CONFLICT DO NOTHING RETURNING decides which crossings are new, so two
 * ticks (or two instances) record and announce each crossing once.
 */
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { defineCommand } from "@/lib/commands";
import { getDb, type Db } from "@/lib/db";
import { defineJob } from "@/lib/jobs/define";
import { formatUsd } from "@/lib/runs/format";
import { emitEvent, mrkdwn } from "@/lib/webhooks/events";
import { periodOf, utcDay } from "./period";
import { foldSettledReservations, purgeReservations } from "./reserved-totals";

export const BUDGET_ALERT_INTERVAL_MS = 5_000;

interface NewAlert {
  id: string;
  budgetId: string;
  name: string;
  scope: string;
  threshold: number;
  spentUsd: string;
  limitUsd: string;
}

export const recordBudgetAlertsCommand = defineCommand("budget.alert", { user: "admin" }, async (tx, _actor, now: Date) => {
  const period = periodOf(now);
  // $1 = first day of the month, $2 = the month's key, $3 = now: the spend is the budget check's own (fd_budget_usage).
  const alerts = await tx.$queryRawUnsafe<NewAlert[]>(
    `WITH usage AS (
      SELECT u."id", u."name", u."scope", u."monthlyLimitUsd" AS "limit", u."alertThresholds", u."spentUsd" AS "spent"
      FROM fd_budget_usage($1::date, $3::timestamp, ARRAY(SELECT b."id" FROM "Budget" b WHERE cardinality(b."alertThresholds") > 0)) u
    ), inserted AS (
      INSERT INTO "BudgetAlert" ("id", "budgetId", "period", "threshold", "spentUsd")
      SELECT 'bal_' || replace(gen_random_uuid()::text, '-', ''), u."id", $2, t, u."spent"
      FROM usage u, unnest(u."alertThresholds") AS t
      WHERE u."spent" > 0 AND u."spent" >= u."limit" * t / 100.0
      ORDER BY u."id", t
      ON CONFLICT ("budgetId", "period", "threshold") DO NOTHING
      RETURNING "id", "budgetId", "threshold", "spentUsd"
    )
    SELECT i."id", i."budgetId", u."name", u."scope", i."threshold", i."spentUsd"::text AS "spentUsd", u."limit"::text AS "limitUsd"
    FROM inserted i JOIN usage u ON u."id" = i."budgetId"
    ORDER BY u."name", i."threshold"`,
    utcDay(period.start),
    period.key,
    now.toISOString(),
  );
  for (const alert of alerts) {
    const spent = Number(alert.spentUsd);
    const limit = Number(alert.limitUsd);
    await emitEvent(tx, {
      type: "budget.threshold_crossed",
      data: { budgetId: alert.budgetId, budget: alert.name, period: period.key, threshold: alert.threshold, spentUsd: spent, monthlyLimitUsd: limit },
      text: mrkdwn`*${alert.name}* crossed ${alert.threshold}% of its monthly limit: ${formatUsd(spent)} of ${formatUsd(limit)} in ${period.key}.`,
      link: { url: `/spend#budget-${alert.budgetId}`, label: "Open the budget" },
      occurredAt: now,
    });
  }
  return {
    result: alerts,
    audit:
      alerts.length === 0
        ? null
        : {
            targetType: "budget",
            targetId: alerts.length === 1 ? alerts[0]!.budgetId : null,
            metadata: { period: period.key, alerts: alerts.map((a) => ({ budget: a.name, threshold: a.threshold, spentUsd: Number(a.spentUsd) })) },
          },
  };
});

const ALERTS_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "budget alerts" };

/** Records and announces the thresholds crossed this month; returns the new ones. */
export async function recordBudgetAlerts(db: Db, now = new Date()): Promise<NewAlert[]> {
  return db.$transaction((tx) => recordBudgetAlertsCommand(tx, ALERTS_ACTOR, now));
}

export const budgetAlertsJob = defineJob({
  name: "budget_alerts",
  description:
    "Records budget thresholds crossed this month (once each) and sends their webhook events; folds settled reservations out of the reserved totals (if a notification was missed) and drops expired ones.",
  intervalMs: BUDGET_ALERT_INTERVAL_MS,
  run: async ({ now }) => {
    const alerts = await recordBudgetAlerts(getDb(), now);
    const folded = await foldSettledReservations();
    const purged = await purgeReservations(now);
    return { alerts: alerts.length, reservationsFolded: folded, reservationsPurged: purged };
  },
});
