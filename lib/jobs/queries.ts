/**
 * Reads of JobState for Settings › System: every registered job with its last
 * run, never-run jobs included (no row yet). Rows of jobs no longer registered
 * are left out: nothing would run them.
 */
import "server-only";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { JobDefinition, JobSummary } from "./define";
import { JOBS } from "./registry";

export interface JobLastRun {
  startedAt: Date;
  /** "unfinished": started, not finished yet (running now, or its instance stopped mid-run). */
  outcome: "succeeded" | "failed" | "unfinished";
  finishedAt: Date | null;
  durationMs: number | null;
  summary: JobSummary | null;
  /** The last run's error (message only); null once a later run succeeded. */
  error: string | null;
}

export interface JobStatus {
  name: string;
  description: string;
  intervalMs: number;
  /** null: never run. */
  lastRun: JobLastRun | null;
  runs: number;
  failures: number;
  /** When the job last failed, kept after it recovers. */
  lastFailureAt: Date | null;
}

/** Summary values as JobSummary allows them; anything else stored there (by hand) is dropped. */
function toSummary(value: Prisma.JsonValue | null): JobSummary | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const summary: JobSummary = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null || typeof item === "string" || typeof item === "number" || typeof item === "boolean") summary[key] = item;
  }
  return summary;
}

export async function listJobStatuses({ jobs = JOBS }: { jobs?: readonly JobDefinition[] } = {}): Promise<JobStatus[]> {
  const rows = await db.jobState.findMany({ where: { name: { in: jobs.map((job) => job.name) } } });
  const byName = new Map(rows.map((row) => [row.name, row]));
  return jobs.map((job) => {
    const row = byName.get(job.name);
    const base = { name: job.name, description: job.description, intervalMs: job.intervalMs };
    if (!row?.lastStartedAt) return { ...base, lastRun: null, runs: row?.runs ?? 0, failures: row?.failures ?? 0, lastFailureAt: row?.lastErrorAt ?? null };
    const finished = row.lastFinishedAt !== null && row.lastFinishedAt >= row.lastStartedAt;
    // A failed tick writes lastErrorAt = lastFinishedAt; a later success moves lastFinishedAt on.
    const failed = finished && row.lastErrorAt !== null && row.lastErrorAt.getTime() === row.lastFinishedAt!.getTime();
    return {
      ...base,
      lastRun: {
        startedAt: row.lastStartedAt,
        outcome: !finished ? "unfinished" : failed ? "failed" : "succeeded",
        finishedAt: finished ? row.lastFinishedAt : null,
        durationMs: finished ? row.lastDurationMs : null,
        summary: finished ? toSummary(row.lastSummary) : null,
        error: failed ? row.lastError : null,
      },
      runs: row.runs,
      failures: row.failures,
      lastFailureAt: row.lastErrorAt,
    };
  });
}
