/**
 * Stall detection: a RUNNING run with no new step for longer than its agent's
 * stallThresholdMinutes (default 10) becomes STALLED with flagStall. One
 * UPDATE … WHERE status = 'RUNNING' does it, so several app instances can
 * sweep at once: a row changes once, and only the instance that changed it
 * records the audit event. A later step brings the run back to RUNNING
 * (`resumeStalledRuns`, called from analyzeRuns); flagStall stays set as a
 * record that it did stall.
 */
import { SYSTEM_ACTOR, appendAudit } from "@/lib/audit";
import type { Db, Tx } from "@/lib/db";

export const DEFAULT_STALL_MINUTES = 10;
export const STALL_SWEEP_INTERVAL_MS = 60_000;

/** The rule, for one run. */
export function isStalled(run: { status: string; lastStepAt: Date }, now: Date, thresholdMinutes = DEFAULT_STALL_MINUTES): boolean {
  return run.status === "RUNNING" && now.getTime() - run.lastStepAt.getTime() > thresholdMinutes * 60_000;
}

/** Marks stalled runs; returns their ids. Safe to run concurrently on several instances. */
export async function sweepStalledRuns(db: Db, now: Date = new Date()): Promise<string[]> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE "Run" r SET status = 'STALLED', "flagStall" = true, "updatedAt" = now()
      WHERE r.status = 'RUNNING'
        -- the smallest threshold bounds the index range on (status, lastStepAt)
        AND r."lastStepAt" < ${now}::timestamp - make_interval(mins => LEAST(${DEFAULT_STALL_MINUTES}, (SELECT COALESCE(min("stallThresholdMinutes"), ${DEFAULT_STALL_MINUTES}) FROM "Agent")))
        AND r."lastStepAt" < ${now}::timestamp - make_interval(mins => COALESCE((SELECT a."stallThresholdMinutes" FROM "Agent" a WHERE a.id = r."agentId"), ${DEFAULT_STALL_MINUTES}))
      RETURNING r.id`;
    const ids = rows.map((r) => r.id);
    if (ids.length > 0) {
      await appendAudit(tx, {
        actor: { ...SYSTEM_ACTOR, label: "stall sweep" },
        action: "run.stall",
        targetType: "run",
        targetId: ids.length === 1 ? ids[0] : null,
        after: { status: "STALLED", flagStall: true },
        metadata: { runIds: ids.slice(0, 1000), count: ids.length },
      });
    }
    return ids;
  });
}

/** Runs among `runIds` that were stalled and just received a step go back to RUNNING. */
export async function resumeStalledRuns(tx: Tx, runIds: string[], now: Date = new Date()): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "Run" r SET status = 'RUNNING', "updatedAt" = now()
    WHERE r.id = ANY(${runIds}) AND r.status = 'STALLED' AND r."endedAt" IS NULL
      AND r."lastStepAt" >= ${now}::timestamp - make_interval(mins => COALESCE((SELECT a."stallThresholdMinutes" FROM "Agent" a WHERE a.id = r."agentId"), ${DEFAULT_STALL_MINUTES}))
    RETURNING r.id`;
  return rows.map((r) => r.id);
}

const globalForSweep = globalThis as unknown as { flightdeckStallSweep?: NodeJS.Timeout };

/** Starts the periodic sweep once per process (unref'd: it never keeps the process alive). */
export function startStallSweep(getDb: () => Db, intervalMs = STALL_SWEEP_INTERVAL_MS): void {
  if (globalForSweep.flightdeckStallSweep) return;
  const tick = () => {
    sweepStalledRuns(getDb()).then(
      (ids) => {
        if (ids.length) console.log(`[flightdeck] stall sweep: ${ids.length} run(s) stalled`);
      },
      (error: unknown) => console.error("[flightdeck] stall sweep failed:", error instanceof Error ? error.message : error),
    );
  };
  globalForSweep.flightdeckStallSweep = setInterval(tick, intervalMs);
  globalForSweep.flightdeckStallSweep.unref();
  setTimeout(tick, 5_000).unref();
}
