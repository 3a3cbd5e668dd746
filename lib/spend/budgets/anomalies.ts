/**
 * Spend anomalies: an agent whose spend in the last hour is far above its own
 * baseline — more than ANOMALY_FACTOR × the median of the same hour on each
 * of the previous 7 days, and at least ANOMALY_MIN_USD — is flagged on the
 * Overview, once per agent and clock hour (the unique key of SpendAnomaly; a
 * later tick in the same hour only raises the amount).
 *
 * Hours need finer data than the daily rollup, so the job reads the LLM calls
 * of 8 one-hour windows (index on kind, status, startedAt): a bounded read
 * every few minutes, off the ingestion path. Each window is its own range
 * scan with literal bounds (and every status, so the index's third column
 * serves the range): bounds computed in SQL from a series made PostgreSQL
 * scan every call of the table and filter the join (10–31 s at 10 M calls).
 */
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { defineCommand } from "@/lib/commands";
import { getDb, type Db } from "@/lib/db";
import { STEP_STATUSES } from "@/lib/enums";
import { Prisma } from "@/lib/generated/prisma/client";
import { defineJob } from "@/lib/jobs/define";

export const ANOMALY_FACTOR = 3;
export const ANOMALY_MIN_USD = 1;
export const ANOMALY_INTERVAL_MS = 5 * 60_000;
const BASELINE_DAYS = 7;

export interface HourlySpend {
  agentId: string;
  /** Spend in the last hour. */
  lastUsd: number;
  /** Spend in the same hour 1…7 days before (missing days count as 0). */
  baselineUsd: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The rule, for one agent: returns the baseline when the last hour is anomalous, else null. */
export function anomalyOf(spend: HourlySpend, factor = ANOMALY_FACTOR, minimumUsd = ANOMALY_MIN_USD): number | null {
  const days = Array.from({ length: BASELINE_DAYS }, (_, i) => spend.baselineUsd[i] ?? 0);
  const baseline = median(days);
  return spend.lastUsd >= minimumUsd && spend.lastUsd > factor * baseline ? baseline : null;
}

/** The hour before `now` (d = 0) and the same hour 1…7 days before. */
function windows(now: Date): { d: number; from: Date; to: Date }[] {
  return Array.from({ length: BASELINE_DAYS + 1 }, (_, d) => {
    const to = new Date(now.getTime() - d * 86_400_000);
    return { d, from: new Date(to.getTime() - 3_600_000), to };
  });
}

export async function hourlySpend(db: Db, now: Date): Promise<HourlySpend[]> {
  const statuses = Prisma.join(STEP_STATUSES.map((status) => Prisma.sql`${status}::"StepStatus"`));
  const calls = Prisma.join(
    windows(now).map(
      (w) => Prisma.sql`
      SELECT ${w.d}::int AS d, s."runId", s."costUsd" FROM "Step" s
      WHERE s."kind" = 'LLM_CALL' AND s."status" IN (${statuses}) AND s."startedAt" >= ${w.from}::timestamp AND s."startedAt" < ${w.to}::timestamp AND s."costUsd" IS NOT NULL`,
    ),
    " UNION ALL ",
  );
  const rows = await db.$queryRaw<{ agentId: string; d: number; cost: string }[]>`
    SELECT r."agentId", c.d, SUM(c."costUsd")::text AS cost
    FROM (${calls}) c
    JOIN "Run" r ON r."id" = c."runId"
    WHERE r."agentId" IS NOT NULL
    GROUP BY r."agentId", c.d`;
  const byAgent = new Map<string, HourlySpend>();
  for (const row of rows) {
    let spend = byAgent.get(row.agentId);
    if (!spend) byAgent.set(row.agentId, (spend = { agentId: row.agentId, lastUsd: 0, baselineUsd: Array<number>(BASELINE_DAYS).fill(0) }));
    if (row.d === 0) spend.lastUsd = Number(row.cost);
    else spend.baselineUsd[row.d - 1] = Number(row.cost);
  }
  return [...byAgent.values()];
}

interface Flagged {
  agentId: string;
  lastUsd: number;
  baselineUsd: number;
}

export const recordAnomaliesCommand = defineCommand("spend.anomaly", { user: "admin" }, async (tx, _actor, input: { now: Date; flagged: Flagged[] }) => {
  const hourStart = new Date(Math.floor(input.now.getTime() / 3_600_000) * 3_600_000);
  const recorded: Flagged[] = [];
  for (const f of input.flagged) {
    const [row] = await tx.$queryRaw<{ inserted: boolean }[]>`
      INSERT INTO "SpendAnomaly" ("id", "agentId", "hourStart", "costUsd", "baselineUsd")
      VALUES ('san_' || replace(gen_random_uuid()::text, '-', ''), ${f.agentId}, ${hourStart}, ${f.lastUsd}::numeric, ${f.baselineUsd}::numeric)
      ON CONFLICT ("agentId", "hourStart") DO UPDATE SET "costUsd" = GREATEST("SpendAnomaly"."costUsd", EXCLUDED."costUsd")
      RETURNING (xmax = 0) AS inserted`;
    if (row?.inserted) recorded.push(f);
  }
  return {
    result: recorded,
    audit: recorded.length === 0 ? null : { targetType: "agent", targetId: recorded.length === 1 ? recorded[0]!.agentId : null, metadata: { hourStart, anomalies: recorded } },
  };
});

const ANOMALY_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "spend anomalies" };

export async function detectAnomalies(db: Db, now = new Date()): Promise<Flagged[]> {
  const flagged: Flagged[] = [];
  for (const spend of await hourlySpend(db, now)) {
    const baseline = anomalyOf(spend);
    if (baseline !== null) flagged.push({ agentId: spend.agentId, lastUsd: spend.lastUsd, baselineUsd: baseline });
  }
  if (flagged.length === 0) return [];
  return db.$transaction((tx) => recordAnomaliesCommand(tx, ANOMALY_ACTOR, { now, flagged }));
}

export const spendAnomalyJob = defineJob({
  name: "spend_anomalies",
  description: `Flags agents whose last hour of spend is over ${ANOMALY_FACTOR}× the median of the same hour on the previous 7 days (and at least $${ANOMALY_MIN_USD}).`,
  intervalMs: ANOMALY_INTERVAL_MS,
  run: async ({ now }) => ({ flagged: (await detectAnomalies(getDb(), now)).length }),
});
