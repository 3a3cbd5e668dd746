/** Reads for the Overview, the ops lead's start page: what is failing, looping or stalled now. */
import "server-only";
import { db } from "@/lib/db";
import type { RunStatusName } from "@/lib/runs/schemas";

export const OVERVIEW_WINDOW_HOURS = 24;

export interface AttentionRun {
  id: string;
  name: string | null;
  agent: string | null;
  status: RunStatusName;
  startedAt: string;
  lastStepAt: string;
  failedStepCount: number;
}

const since = () => new Date(Date.now() - OVERVIEW_WINDOW_HOURS * 3_600_000);

async function attentionRuns(where: "failed" | "looping" | "stalled", limit = 6): Promise<AttentionRun[]> {
  const rows = await db.run.findMany({
    where:
      where === "failed"
        ? { status: "FAILED", startedAt: { gte: since() } }
        : where === "looping"
          ? { flagLoop: true, lastStepAt: { gte: since() } }
          : { status: "STALLED" },
    orderBy: where === "failed" ? { startedAt: "desc" } : { lastStepAt: "desc" },
    take: limit,
    select: { id: true, name: true, status: true, startedAt: true, lastStepAt: true, failedStepCount: true, agent: { select: { name: true } } },
  });
  return rows.map((r) => ({
    id: r.id, name: r.name, agent: r.agent?.name ?? null, status: r.status, failedStepCount: r.failedStepCount,
    startedAt: r.startedAt.toISOString(), lastStepAt: r.lastStepAt.toISOString(),
  }));
}

export const getFailingRuns = () => attentionRuns("failed");
export const getLoopingRuns = () => attentionRuns("looping");
export const getStalledRuns = () => attentionRuns("stalled");

export async function getAttentionCounts() {
  const [row] = await db.$queryRaw<{ runs: number; running: number; failed: number; looping: number; stalled: number }[]>`
    SELECT
      count(*) FILTER (WHERE "startedAt" >= ${since()})::int AS runs,
      count(*) FILTER (WHERE status = 'RUNNING')::int AS running,
      count(*) FILTER (WHERE status = 'FAILED' AND "startedAt" >= ${since()})::int AS failed,
      count(*) FILTER (WHERE "flagLoop" AND "lastStepAt" >= ${since()})::int AS looping,
      count(*) FILTER (WHERE status = 'STALLED')::int AS stalled
    FROM "Run"
    WHERE "startedAt" >= ${since()} OR status IN ('RUNNING', 'STALLED') OR ("flagLoop" AND "lastStepAt" >= ${since()})`;
  return row ?? { runs: 0, running: 0, failed: 0, looping: 0, stalled: 0 };
}

export interface ToolFailureRow {
  tool: string;
  failures: number;
  runs: number;
  lastAt: string;
  lastError: string | null;
  lastRunId: string;
}

/** Failed tool calls in the window, grouped by tool (walks the (kind, status, startedAt) index). */
export async function getToolFailuresByTool(limit = 8): Promise<ToolFailureRow[]> {
  const rows = await db.$queryRaw<{ tool: string; failures: number; runs: number; lastAt: Date; lastError: string | null; lastRunId: string }[]>`
    SELECT COALESCE(tool, name) AS tool, count(*)::int AS failures, count(DISTINCT "runId")::int AS runs, max("startedAt") AS "lastAt",
      (array_agg(error ORDER BY "startedAt" DESC))[1] AS "lastError",
      (array_agg("runId" ORDER BY "startedAt" DESC))[1] AS "lastRunId"
    FROM "Step"
    WHERE kind = 'TOOL_CALL' AND status = 'FAILED' AND "startedAt" >= ${since()}
    GROUP BY 1 ORDER BY failures DESC, "lastAt" DESC LIMIT ${limit}`;
  return rows.map((r) => ({ ...r, lastAt: r.lastAt.toISOString() }));
}

/** Whether any run was ever stored: the Overview's empty state. */
export async function hasAnyRun(): Promise<boolean> {
  return (await db.run.findFirst({ select: { id: true } })) !== null;
}

/** The latest audit events, for "Recent changes". */
export function getRecentChanges(take = 8) {
  return db.auditEvent.findMany({
    orderBy: { seq: "desc" },
    take,
    select: { seq: true, occurredAt: true, actorLabel: true, action: true, targetType: true },
  });
}
