/**
 * The job scheduler: one timer per registered job per process (`startJobs`,
 * `stopJobs`), the tick that runs a job on exactly one instance, and the
 * JobState row each tick records (last start, finish, duration, summary,
 * error, counts). `runJobNow` is the same tick on demand, for admins and tests.
 *
 * How one instance, once per interval:
 * 1. The tick takes a session-level advisory lock, `pg_try_advisory_lock(key)`
 *    with the key from `jobLockKey(name)`, and skips if another instance holds it.
 * 2. Holding it, it re-reads `JobState.lastStartedAt` and skips unless the job
 *    is due (`isDue`), then writes `lastStartedAt` before the body runs. A
 *    second instance that gets the lock after the first let it go therefore
 *    sees the first's start and skips: the lock stops concurrent runs, the
 *    start written under it stops repeated ones.
 *
 * Why a session lock on a connection of our own, and not the options next to it:
 * - Through Prisma a session lock is wrong: outside a transaction each
 *   statement may get another pooled connection, so the unlock could land on
 *   another session and the lock stay behind on a pooled connection.
 * - `pg_try_advisory_xact_lock` inside `db.$transaction` held for the job's
 *   whole run is correct, but pins one of Prisma's pooled connections (shared
 *   with every request, 10 by default) idle in transaction for as long as the
 *   job runs (webhook delivery waits on remote servers), runs into Prisma's
 *   interactive-transaction timeout and any `idle_in_transaction_session_timeout`,
 *   and the job's own queries need further connections anyway.
 * - Taking the lock only to claim the tick (lock, check, write the start,
 *   commit, then run unlocked) pins nothing, but lets a second instance start
 *   the job while a run longer than its interval is still going.
 * So each running tick checks out a connection from a small pg pool of the
 *   scheduler's own, outside Prisma's, takes the lock there, runs the job (which
 *   uses the normal client) and unlocks before giving the connection back. It
 *   costs one connection per running job per instance, no transaction stays
 *   open, and if the instance dies PostgreSQL ends its session and the lock
 *   with it. If the connection drops mid-run the lock is gone: the job's
 *   signal is aborted, and the start written under the lock still keeps other
 *   instances off until the interval ends. Like LISTEN, this needs session
 *   pooling if a PgBouncer sits in between.
 */
import pg from "pg";
import { db as defaultDb, type Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import type { JobDefinition, JobSummary } from "./define";
import { errorMessageOf, isDue, jobLockKey, nextDueAt, nextTickDelay } from "./policy";
import { JOBS, findJob } from "./registry";

export type TickResult =
  | { status: "succeeded"; durationMs: number; summary: JobSummary | null }
  /** durationMs null: the scheduler's own database work failed, not the job. */
  | { status: "failed"; durationMs: number | null; error: string }
  /** locked: another instance is running it; stopped: the scheduler is shutting down. */
  | { status: "skipped"; reason: "locked" | "stopped" }
  | { status: "skipped"; reason: "not_due"; dueAt: Date };

export interface TickOptions {
  /** The tick's time (default: the clock); jobs receive it as `now`. */
  now?: Date;
  /** Run even if not due (Run now). The lock is honoured all the same. */
  force?: boolean;
  /** Aborts the job at its next safe point (shutdown). */
  signal?: AbortSignal;
}

/** What one instance needs to tick jobs: where JobState lives and where lock connections open. */
export interface JobRunner {
  /** One tick: never throws; failures are recorded in JobState and returned. */
  tick(job: JobDefinition, options?: TickOptions): Promise<TickResult>;
  close(): Promise<void>;
}

export interface JobRunnerConfig {
  /** Where JobState is read and written. */
  db: Db;
  /** The same database, for the scheduler's own lock connections. */
  connectionString: string;
}

interface HeldLock {
  /** Aborted if the lock's connection drops (the lock went with it). */
  lost: AbortSignal;
  release(): Promise<void>;
}

/** Concurrently running jobs per instance before a tick waits for a lock connection. */
const LOCK_POOL_MAX = 4;

export function createJobRunner({ db, connectionString }: JobRunnerConfig): JobRunner {
  const lockPool = new pg.Pool({ connectionString, max: LOCK_POOL_MAX, idleTimeoutMillis: 120_000, allowExitOnIdle: true });
  // An idle connection that drops is reported on the pool; unheard, the event would crash the process.
  lockPool.on("error", (error) => console.warn(`[flightdeck] job lock connection dropped while idle: ${error.message}`));

  async function tryLock(name: string): Promise<HeldLock | null> {
    const key = jobLockKey(name).toString();
    const client = await lockPool.connect();
    const lost = new AbortController();
    const onError = (error: Error) => lost.abort(new Error(`The job's lock connection dropped: ${error.message}`));
    // A checked-out client that errors with no listener would crash the process too.
    client.on("error", onError);
    const giveBack = (destroy: boolean) => {
      client.off("error", onError);
      client.release(destroy);
    };
    try {
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key]);
      if (!rows[0]?.locked) {
        giveBack(false);
        return null;
      }
    } catch (error) {
      giveBack(true);
      throw error;
    }
    return {
      lost: lost.signal,
      async release() {
        try {
          await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]);
          giveBack(false);
        } catch {
          // Ending the session releases its locks whatever state the connection is in.
          giveBack(true);
        }
      },
    };
  }

  async function lastStartedAt(name: string): Promise<Date | null> {
    const state = await db.jobState.findUnique({ where: { name }, select: { lastStartedAt: true } });
    return state?.lastStartedAt ?? null;
  }

  /** The body, with the lock held: start recorded first, outcome after. */
  async function runLocked(job: JobDefinition, now: Date, signal: AbortSignal): Promise<TickResult> {
    await db.jobState.upsert({ where: { name: job.name }, create: { name: job.name, lastStartedAt: now }, update: { lastStartedAt: now } });
    const started = performance.now();
    let outcome: { ok: true; summary: JobSummary | null } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, summary: (await job.run({ now, signal })) ?? null };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const durationMs = Math.round(performance.now() - started);
    // On the tick's clock, so a pinned `now` (tests) gives a consistent row.
    const finishedAt = new Date(now.getTime() + durationMs);
    if (!outcome.ok) {
      const message = errorMessageOf(outcome.error);
      // The whole error (stack included) goes to the server log only.
      console.error(`[flightdeck] job ${job.name} failed:`, outcome.error);
      await db.jobState.update({
        where: { name: job.name },
        data: {
          lastFinishedAt: finishedAt,
          lastDurationMs: durationMs,
          lastSummary: Prisma.DbNull,
          lastError: message,
          lastErrorAt: finishedAt,
          runs: { increment: 1 },
          failures: { increment: 1 },
        },
      });
      return { status: "failed", durationMs, error: message };
    }
    await db.jobState.update({
      where: { name: job.name },
      // lastError stays as the record of the last failure; the last run's failure is lastErrorAt = lastFinishedAt.
      data: { lastFinishedAt: finishedAt, lastDurationMs: durationMs, lastSummary: outcome.summary ?? Prisma.DbNull, runs: { increment: 1 } },
    });
    return { status: "succeeded", durationMs, summary: outcome.summary };
  }

  async function tick(job: JobDefinition, options: TickOptions = {}): Promise<TickResult> {
    const { force = false, signal } = options;
    if (signal?.aborted) return { status: "skipped", reason: "stopped" };
    let lock: HeldLock | null = null;
    try {
      // Checked first without the lock too: most ticks on most instances are not due and need no lock connection.
      if (!force) {
        const now = options.now ?? new Date();
        const last = await lastStartedAt(job.name);
        if (!isDue(last, job.intervalMs, now)) return { status: "skipped", reason: "not_due", dueAt: nextDueAt(last, job.intervalMs, now) };
      }
      lock = await tryLock(job.name);
      if (!lock) return { status: "skipped", reason: "locked" };
      const now = options.now ?? new Date();
      if (!force) {
        // The check that counts: another instance may have run the job between the first read and the lock.
        const last = await lastStartedAt(job.name);
        if (!isDue(last, job.intervalMs, now)) return { status: "skipped", reason: "not_due", dueAt: nextDueAt(last, job.intervalMs, now) };
      }
      const jobSignal = signal ? AbortSignal.any([signal, lock.lost]) : lock.lost;
      const result = await runLocked(job, now, jobSignal);
      if (lock.lost.aborted) console.warn(`[flightdeck] job ${job.name}: ${errorMessageOf(lock.lost.reason)}`);
      return result;
    } catch (error) {
      // The scheduler's own database work failed (unreachable, refused): logged and returned, never thrown.
      console.error(`[flightdeck] job ${job.name}: the scheduler could not run the tick:`, error);
      return { status: "failed", durationMs: null, error: errorMessageOf(error) };
    } finally {
      await lock?.release();
    }
  }

  return { tick, close: () => lockPool.end() };
}

// ── the process's scheduler ─────────────────────────────────────────────────

interface Scheduler {
  controller: AbortController;
  jobs: readonly JobDefinition[];
  timers: Map<string, NodeJS.Timeout>;
}

/** On globalThis: a hot reload re-imports this module, and must find the timers already running. */
const globalForJobs = globalThis as unknown as {
  flightdeckJobs?: Scheduler;
  flightdeckJobRunner?: JobRunner;
  flightdeckJobTicks?: Set<Promise<TickResult>>;
};

function processRunner(): JobRunner {
  if (!globalForJobs.flightdeckJobRunner) {
    // Session-level advisory locks do not survive PgBouncer's transaction mode: the direct URL when there is one.
    const connectionString = process.env.DATABASE_DIRECT_URL || process.env.DATABASE_URL;
    if (!connectionString) throw new Error("DATABASE_URL is not set: jobs need the database.");
    // `db` resolves the current client on each use, so a reconnected client (tests) is picked up.
    globalForJobs.flightdeckJobRunner = createJobRunner({ db: defaultDb, connectionString });
  }
  return globalForJobs.flightdeckJobRunner;
}

/** A tick on this process's runner, tracked so `stopJobs` can wait for it. Never rejects. */
function trackedTick(job: JobDefinition, options: TickOptions): Promise<TickResult> {
  const ticks = (globalForJobs.flightdeckJobTicks ??= new Set());
  const tick = Promise.resolve()
    .then(() => processRunner().tick(job, options))
    .catch((error: unknown): TickResult => {
      console.error(`[flightdeck] job ${job.name}: the scheduler could not run the tick:`, error);
      return { status: "failed", durationMs: null, error: errorMessageOf(error) };
    });
  ticks.add(tick);
  void tick.finally(() => ticks.delete(tick));
  return tick;
}

/** Up to 1 s (a twentieth of short intervals) of spread, so instances started together do not all reach for the lock at once. */
function jitter(intervalMs: number): number {
  return Math.floor(Math.random() * Math.min(1_000, intervalMs / 20));
}

function schedule(scheduler: Scheduler, job: JobDefinition, delayMs: number): void {
  if (scheduler.controller.signal.aborted) return;
  const timer = setTimeout(() => {
    scheduler.timers.delete(job.name);
    const startedAt = Date.now();
    void trackedTick(job, { signal: scheduler.controller.signal }).then((result) => {
      const now = new Date();
      const delay = nextTickDelay({
        intervalMs: job.intervalMs,
        elapsedMs: now.getTime() - startedAt,
        dueAt: result.status === "skipped" && result.reason === "not_due" ? result.dueAt : undefined,
        now,
      });
      schedule(scheduler, job, delay + jitter(job.intervalMs));
    });
  }, delayMs);
  // Timers never keep the process alive: shutdown does not wait for the next tick.
  timer.unref();
  scheduler.timers.set(job.name, timer);
}

export interface StartJobsOptions {
  /** Before each job's first tick (default 5 s: let the server finish starting). */
  initialDelayMs?: number;
}

/** Starts one timer per job in this process; a second call (hot reload) does nothing until `stopJobs`. */
export function startJobs(jobs: readonly JobDefinition[] = JOBS, options: StartJobsOptions = {}): void {
  if (globalForJobs.flightdeckJobs) return;
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`Job "${job.name}" is listed twice.`);
    names.add(job.name);
  }
  const scheduler: Scheduler = { controller: new AbortController(), jobs, timers: new Map() };
  globalForJobs.flightdeckJobs = scheduler;
  const initialDelayMs = options.initialDelayMs ?? 5_000;
  for (const job of jobs) schedule(scheduler, job, initialDelayMs + jitter(job.intervalMs));
}

/** Stops the timers, aborts running jobs, waits for their ticks to finish and closes the lock connections. */
export async function stopJobs(): Promise<void> {
  const scheduler = globalForJobs.flightdeckJobs;
  globalForJobs.flightdeckJobs = undefined;
  if (scheduler) {
    scheduler.controller.abort(new Error("The job scheduler is stopping."));
    for (const timer of scheduler.timers.values()) clearTimeout(timer);
    scheduler.timers.clear();
  }
  await Promise.all([...(globalForJobs.flightdeckJobTicks ?? [])]);
  const runner = globalForJobs.flightdeckJobRunner;
  globalForJobs.flightdeckJobRunner = undefined;
  await runner?.close();
}

/**
 * One tick of `name` now, due or not, still under the lock (so it is skipped
 * as "locked" while another instance runs it). For Settings › System and tests.
 */
export function runJobNow(name: string, options: { now?: Date } = {}): Promise<TickResult> {
  const scheduler = globalForJobs.flightdeckJobs;
  const job = findJob(name, scheduler?.jobs ?? JOBS);
  if (!job) return Promise.reject(new AppError("not_found:job", `There is no job named “${name}”.`));
  return trackedTick(job, { now: options.now, force: true, signal: scheduler?.controller.signal });
}
