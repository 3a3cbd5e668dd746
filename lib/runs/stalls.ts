/**
 * Stall detection: a RUNNING run with no new step for longer than its agent's
 * stallThresholdMinutes (default 10) becomes STALLED with flagStall. One
 * UPDATE … WHERE status = 'RUNNING' does it, so several app instances can
 * sweep at once: a row changes once, and only the instance that changed it
 * records the audit event. A later step brings the run back to RUNNING
 * (`resumeStalledRuns`, called from analyzeRuns); flagStall stays set as a
 * record that it did stall.
 */
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { defineCommand } from "@/lib/commands";
import { getDb, type Db, type Tx } from "@/lib/db";
import { defineJob } from "@/lib/jobs/define";

export const DEFAULT_STALL_MINUTES = 10;
export const STALL_SWEEP_INTERVAL_MS = 60_000;

/** The rule, for one run. */
export function isStalled(run: { status: string; lastStepAt: Date }, now: Date, thresholdMinutes = DEFAULT_STALL_MINUTES): boolean {
  return run.status === "RUNNING" && now.getTime() - run.lastStepAt.getTime() > thresholdMinutes * 60_000;
}

/**
 * The sweep's write, as a command (audit events are appended only through
 * commands): marks the runs and records one event for all of them, none when
 * nothing stalled.
 */
export const stallRunsCommand = defineCommand("run.stall", { user: "admin" }, async (tx, _actor, now: Date) => {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    UPDATE "Run" r SET status = 'STALLED', "flagStall" = true, "updatedAt" = now()
    WHERE r.status = 'RUNNING'
      -- the smallest threshold bounds the index range on (status, lastStepAt)
      AND r."lastStepAt" < ${now}::timestamp - make_interval(mins => LEAST(${DEFAULT_STALL_MINUTES}, (SELECT COALESCE(min("stallThresholdMinutes"), ${DEFAULT_STALL_MINUTES}) FROM "Agent")))
      AND r."lastStepAt" < ${now}::timestamp - make_interval(mins => COALESCE((SELECT a."stallThresholdMinutes" FROM "Agent" a WHERE a.id = r."agentId"), ${DEFAULT_STALL_MINUTES}))
    RETURNING r.id`;
  const ids = rows.map((r) => r.id);
  return {
    result: ids,
    audit:
      ids.length === 0
        ? null
        : {
            targetType: "run",
            targetId: ids.length === 1 ? ids[0] : null,
            after: { status: "STALLED", flagStall: true },
            metadata: { runIds: ids.slice(0, 1000), count: ids.length },
          },
  };
});

const STALL_SWEEP_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "stall sweep" };

/** Marks stalled runs; returns their ids. Safe to run concurrently on several instances. */
export async function sweepStalledRuns(db: Db, now: Date = new Date()): Promise<string[]> {
  return db.$transaction((tx) => stallRunsCommand(tx, STALL_SWEEP_ACTOR, now));
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

/**
 * The sweep as a periodic job (lib/jobs): the scheduler runs each tick on one
 * instance per interval. The UPDATE above stays safe to run concurrently
 * anyway: for callers outside the scheduler, and for a tick whose lock
 * connection dropped while it was sweeping.
 */
export const stallSweepJob = defineJob({
  name: "stall_sweep",
  description: "Marks running runs with no new step past their agent's stall threshold as stalled.",
  intervalMs: STALL_SWEEP_INTERVAL_MS,
  run: async ({ now }) => ({ stalled: (await sweepStalledRuns(getDb(), now)).length }),
});
