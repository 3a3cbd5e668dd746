/**
 * The scheduler's pure rules: which advisory lock a job takes, when a job is
 * due again, and what of an error is kept. No I/O here, so the rules are
 * unit-tested apart from PostgreSQL (lib/jobs/scheduler.ts applies them).
 */
import { createHash } from "node:crypto";

/** Prefix of every job's lock name, so job locks cannot meet another area's keys by accident. */
export const JOB_LOCK_NAMESPACE = "flightdeck.job.";

/**
 * The 64-bit key of the session-level advisory lock `pg_try_advisory_lock(key)`
 * that one tick of `name` holds. Derived in JS from SHA-256 rather than with
 * `hashtext()`, whose output PostgreSQL does not promise to keep across major
 * versions: instances of two versions in a rolling upgrade must agree on the key.
 * Signed, because PostgreSQL's bigint is.
 */
export function jobLockKey(name: string): bigint {
  const digest = createHash("sha256").update(JOB_LOCK_NAMESPACE + name).digest();
  return digest.readBigInt64BE(0);
}

/**
 * How much earlier than a full interval a tick still counts as due: timers
 * fire a little early or late, and without slack an instance whose timer fires
 * 1 ms early would skip and run only after two intervals. A tenth of the
 * interval, at most 5 s.
 */
export function dueTolerance(intervalMs: number): number {
  return Math.min(5_000, Math.floor(intervalMs / 10));
}

/** When the job is next due, given its last start (never run: now). */
export function nextDueAt(lastStartedAt: Date | null | undefined, intervalMs: number, now: Date): Date {
  if (!lastStartedAt) return now;
  return new Date(lastStartedAt.getTime() + intervalMs - dueTolerance(intervalMs));
}

/**
 * Due when no instance started it within the last interval (less the
 * tolerance). This, read under the lock, is what keeps N instances from
 * running a job N times per interval; the lock alone only keeps them from
 * running it at the same time.
 */
export function isDue(lastStartedAt: Date | null | undefined, intervalMs: number, now: Date): boolean {
  return nextDueAt(lastStartedAt, intervalMs, now).getTime() <= now.getTime();
}

export const MAX_ERROR_LENGTH = 500;

/**
 * What JobState keeps of a failure, shown to admins: the message only (never a
 * stack, which names files and may quote data), on one line, truncated.
 */
export function errorMessageOf(error: unknown, maxLength = MAX_ERROR_LENGTH): string {
  const raw = error instanceof Error ? error.message || error.name : typeof error === "string" ? error : "Unknown error";
  const oneLine = raw.replace(/\s+/g, " ").trim() || "Unknown error";
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength - 1)}…` : oneLine;
}

/**
 * How long a job's timer waits before its next tick. After a tick that ran (or
 * found the job running elsewhere), one interval from that tick's start; after
 * a not-due skip, until the job is due (another instance ran it meanwhile), so
 * the job keeps its cadence whichever instance runs it. Never less than
 * `minDelayMs` (a tenth of the interval, at most 1 s), so a clock that disagrees
 * with another instance's cannot spin the timer.
 */
export function nextTickDelay({ intervalMs, elapsedMs, dueAt, now }: { intervalMs: number; elapsedMs: number; dueAt?: Date; now: Date }): number {
  const minDelayMs = Math.min(1_000, Math.ceil(intervalMs / 10));
  const wanted = dueAt ? dueAt.getTime() - now.getTime() : intervalMs - elapsedMs;
  return Math.min(intervalMs, Math.max(minDelayMs, wanted));
}
