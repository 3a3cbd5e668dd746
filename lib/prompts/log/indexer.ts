/**
 * The Prompt log's index, kept off the ingestion path: the prompt_log_index job reads LLM calls in
 * the order they were stored (Step "createdAt", then id: the fd_step_prompt_log_created index) and
 * writes each one's search document (PromptLogDoc) in batches of INDEX_BATCH, for at most
 * TICK_BUDGET_MS a tick; and how many calls it has not reached yet, which the page says.
 *
 * Late commits. A step's createdAt is its transaction's start, so a call can become visible after
 * calls created later have been read: it was stored by a transaction still open when the tick
 * read. PromptLogIndexState keeps two keys:
 *   - scanned: the last call read; calls stored after it are not searchable yet (the page's count);
 *   - safe: every call before it is indexed. It is the scanned key, but no later than the start of
 *     the oldest transaction open when the tick began (pg_stat_activity), and in any case no
 *     earlier than LATE_COMMIT_MS before the tick: ingestion transactions end within a minute
 *     (their timeout, INGEST_TRANSACTION in lib/telemetry/pipeline.ts), so an older open one (a
 *     report, an idle session) stores no call. When some sessions cannot be seen (another role, no
 *     pg_read_all_stats) the whole LATE_COMMIT_MS is kept.
 * Each tick starts again from safe; calls it finds already indexed cost one index probe each
 * (NOT EXISTS, and ON CONFLICT DO NOTHING should two writers meet).
 * No `server-only` here: lib/jobs/registry.ts lists the job, and it is imported outside Next too.
 */
import { db } from "@/lib/db";
import { defineJob } from "@/lib/jobs/define";
import { and, filterConditions, storableFilter } from "./filters";
import type { PromptLogFilter } from "./params";

/** A place in the order calls were stored. */
export interface StoredKey {
  createdAt: Date;
  id: string;
}

/** Before every call: where a job that never ran starts. */
export const ORIGIN: StoredKey = { createdAt: new Date(0), id: "" };
/** Longer than any ingestion transaction (INGEST_TRANSACTION.timeout, 60 s: indexer.test.ts checks). */
export const LATE_COMMIT_MS = 120_000;
export const INDEX_INTERVAL_MS = 10_000;
/** Calls per statement: ~0.1–0.3 s of tokenising for calls of a few kB. */
export const INDEX_BATCH = 500;
/** Work per tick, so a backlog (the first run after an upgrade) takes about half of one core. */
export const TICK_BUDGET_MS = 5_000;
/** The page counts calls not indexed yet up to this many, then says "more than". */
export const LAG_COUNT_CAP = 10_000;

export const compareKeys = (a: StoredKey, b: StoredKey) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Slack for createdAt's rounding to milliseconds (and clock granularity) against a transaction's start. */
const START_SLACK_MS = 1_000;

/** What the tick saw when it began, on the database's clock. */
export interface TickClock {
  now: Date;
  /** The start of the oldest other open transaction of a client in this database; null: none open. */
  oldestOpen: Date | null;
  /** Some client sessions of this database cannot be seen (another role; track_activities off): their transactions are unknown. */
  hidden: boolean;
}

/**
 * The key the next tick starts from: where this one got to (`reached`), but no later than what an
 * open transaction may still store before it (see the module's header).
 */
export function nextSafeKey(reached: StoredKey, clock: TickClock): StoredKey {
  const floor = clock.now.getTime() - LATE_COMMIT_MS;
  const open = clock.hidden ? floor : Math.min(clock.oldestOpen?.getTime() ?? clock.now.getTime(), clock.now.getTime()) - START_SLACK_MS;
  const horizon: StoredKey = { createdAt: new Date(Math.max(floor, open)), id: "" };
  return compareKeys(reached, horizon) <= 0 ? reached : horizon;
}

/**
 * The tick's clock. Read before any call is (a statement of its own): a transaction that ends after
 * this is either seen open here or started after it, so its calls are at or after `oldestOpen` or `now`.
 * Timestamps as createdAt has them (timestamp in the session's time zone).
 */
async function readClock(): Promise<TickClock> {
  const [row] = await db.$queryRaw<{ now: Date; oldestOpen: Date | null; hidden: boolean }[]>`
    SELECT localtimestamp(3) AS now,
      (SELECT min(a.xact_start)::timestamp(3) FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()) AS "oldestOpen",
      EXISTS (SELECT 1 FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
          AND (a.state IS NULL OR a.state = 'disabled')) AS hidden`;
  return row!;
}

interface IndexState {
  safe: StoredKey;
  scanned: StoredKey;
}

async function readState(): Promise<IndexState> {
  const row = await db.promptLogIndexState.findUnique({ where: { id: 1 } });
  if (!row) return { safe: ORIGIN, scanned: ORIGIN };
  return { safe: { createdAt: row.safeCreatedAt, id: row.safeStepId }, scanned: { createdAt: row.scannedCreatedAt, id: row.scannedStepId } };
}

async function writeState(state: IndexState): Promise<void> {
  const data = { safeCreatedAt: state.safe.createdAt, safeStepId: state.safe.id, scannedCreatedAt: state.scanned.createdAt, scannedStepId: state.scanned.id };
  await db.promptLogIndexState.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data });
}

interface BatchResult {
  scanned: number;
  indexed: number;
  last: StoredKey | null;
}

/**
 * One statement: the next `batch` LLM calls after `after` in stored order, and the documents of
 * those not indexed yet. MATERIALIZED: the calls are read by the createdAt index alone, and only
 * the new ones are fetched whole and tokenised.
 */
async function indexBatch(after: StoredKey, batch: number): Promise<BatchResult> {
  const [row] = await db.$queryRaw<{ scanned: number; indexed: number; lastCreatedAt: Date | null; lastId: string | null }[]>`
    WITH c AS MATERIALIZED (
      SELECT s.id, s."createdAt" FROM "Step" s
      WHERE s.kind = 'LLM_CALL' AND (s."createdAt", s.id) > (${after.createdAt}, ${after.id})
      ORDER BY s."createdAt", s.id
      LIMIT ${batch}
    ), todo AS MATERIALIZED (
      SELECT c.id FROM c WHERE NOT EXISTS (SELECT 1 FROM "PromptLogDoc" d WHERE d."stepId" = c.id)
    ), ins AS (
      INSERT INTO "PromptLogDoc" ("stepId", "runId", "startedAt", model, "promptName", "promptVersion", doc)
      SELECT s.id, s."runId", s."startedAt", s.model, s."promptName", s."promptVersion", fd_prompt_log_vector(s."inputMessages", s."outputMessages")
      FROM todo JOIN "Step" s ON s.id = todo.id
      ON CONFLICT ("stepId") DO NOTHING
      RETURNING 1
    ), last AS (
      SELECT c."createdAt", c.id FROM c ORDER BY c."createdAt" DESC, c.id DESC LIMIT 1
    )
    SELECT (SELECT count(*) FROM c)::int AS scanned, (SELECT count(*) FROM ins)::int AS indexed,
      (SELECT "createdAt" FROM last) AS "lastCreatedAt", (SELECT id FROM last) AS "lastId"`;
  return {
    scanned: row?.scanned ?? 0,
    indexed: row?.indexed ?? 0,
    last: row?.lastCreatedAt && row.lastId ? { createdAt: row.lastCreatedAt, id: row.lastId } : null,
  };
}

export interface IndexRun {
  /** Documents written. */
  indexed: number;
  /** Calls read again that were already indexed (the late-commit overlap). */
  alreadyIndexed: number;
  /** Every call stored before the tick began was read. */
  caughtUp: boolean;
}

export interface IndexOptions {
  signal?: AbortSignal;
  budgetMs?: number;
  batch?: number;
}

/** One tick: batches from the safe key until caught up, out of budget or aborted; then the keys saved. */
export async function indexPromptLog({ signal, budgetMs = TICK_BUDGET_MS, batch = INDEX_BATCH }: IndexOptions = {}): Promise<IndexRun> {
  const clock = await readClock();
  const state = await readState();
  const started = performance.now();
  let reached = state.safe;
  const run: IndexRun = { indexed: 0, alreadyIndexed: 0, caughtUp: false };
  while (!signal?.aborted) {
    const result = await indexBatch(reached, batch);
    run.indexed += result.indexed;
    run.alreadyIndexed += result.scanned - result.indexed;
    if (result.last) reached = result.last;
    if (result.scanned < batch) {
      run.caughtUp = true;
      break;
    }
    if (performance.now() - started >= budgetMs) break;
  }
  const scanned = compareKeys(reached, state.scanned) > 0 ? reached : state.scanned;
  await writeState({ safe: nextSafeKey(reached, clock), scanned });
  return run;
}

/**
 * Ticks back to back, with no budget, until every call stored so far is read: for tests and the
 * benchmark, and by hand after a bulk import (the job would get there in its own time).
 */
export async function catchUpPromptLog({ signal, batch }: Omit<IndexOptions, "budgetMs"> = {}): Promise<IndexRun> {
  const total: IndexRun = { indexed: 0, alreadyIndexed: 0, caughtUp: false };
  while (!total.caughtUp && !signal?.aborted) {
    const run = await indexPromptLog({ signal, batch, budgetMs: 60_000 });
    total.indexed += run.indexed;
    total.alreadyIndexed += run.alreadyIndexed;
    total.caughtUp = run.caughtUp;
  }
  return total;
}

export const promptLogIndexJob = defineJob({
  name: "prompt_log_index",
  description: `Indexes newly stored LLM calls for the Prompt log's search (up to ${TICK_BUDGET_MS / 1000} s of work a tick).`,
  intervalMs: INDEX_INTERVAL_MS,
  run: async ({ signal }) => {
    const run = await indexPromptLog({ signal });
    return { indexed: run.indexed, alreadyIndexed: run.alreadyIndexed, caughtUp: run.caughtUp };
  },
});

export interface PromptLogLag {
  /** Calls passing the filters that were stored after the job's last read (at most LAG_COUNT_CAP counted). */
  calls: number;
  /** More than LAG_COUNT_CAP calls wait, whatever the filters: the count is a lower bound. */
  more: boolean;
  /** How long ago the oldest of them (past the cap: of all waiting) was stored, on the database's clock; null when none waits. */
  waitingMs: number | null;
}

/**
 * How many LLM calls passing the filters (the text aside) the log cannot show yet: those stored
 * after the job's last read. Reads at most LAG_COUNT_CAP + 1 calls, in stored order from the job's
 * key, so the cost is bounded however far behind the job is.
 */
export async function promptLogIndexLag(input: PromptLogFilter = {}): Promise<PromptLogLag> {
  const filter = storableFilter(input);
  const { scanned } = await readState();
  const passes = and(filterConditions(filter, "p"));
  const [row] = await db.$queryRaw<{ waiting: number; calls: number; waitingMs: number | null; anyWaitingMs: number | null }[]>`
    SELECT count(*)::int AS waiting, (count(*) FILTER (WHERE ${passes}))::int AS calls,
      (extract(epoch FROM localtimestamp(3) - min(p."createdAt") FILTER (WHERE ${passes})) * 1000)::float8 AS "waitingMs",
      (extract(epoch FROM localtimestamp(3) - min(p."createdAt")) * 1000)::float8 AS "anyWaitingMs"
    FROM (
      SELECT s."createdAt", s."runId", s."promptName", s."promptVersion", s.model, s."startedAt" FROM "Step" s
      WHERE s.kind = 'LLM_CALL' AND (s."createdAt", s.id) > (${scanned.createdAt}, ${scanned.id})
      ORDER BY s."createdAt", s.id
      LIMIT ${LAG_COUNT_CAP + 1}
    ) p`;
  const more = (row?.waiting ?? 0) > LAG_COUNT_CAP;
  // Past the cap the filters were not applied to every waiting call: the age is that of them all.
  const waitingMs = (more ? row?.anyWaitingMs : row?.waitingMs) ?? null;
  return { calls: Math.min(row?.calls ?? 0, LAG_COUNT_CAP), more, waitingMs: waitingMs === null ? null : Math.max(0, waitingMs) };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** "from the last minute", "from the last 5 minutes", "from the last 3 hours", "from the last 2 days". */
function recentPeriod(ms: number): string {
  if (ms < 60_000) return "from the last minute";
  if (ms < 3_600_000) return `from the last ${plural(Math.ceil(ms / 60_000), "minute")}`;
  if (ms < 48 * 3_600_000) return `from the last ${plural(Math.ceil(ms / 3_600_000), "hour")}`;
  return `from the last ${plural(Math.ceil(ms / 86_400_000), "day")}`;
}

/**
 * What the page says when the job lags, so that nobody takes a call that is not indexed yet for a
 * missing one; null when nothing passing the filters waits.
 */
export function describeIndexLag(lag: PromptLogLag, { searching }: { searching: boolean }): string | null {
  if (!lag.more && lag.calls === 0) return null;
  const what = searching ? "searchable" : "listed";
  const period = lag.waitingMs === null ? "" : ` ${recentPeriod(lag.waitingMs)}`;
  if (lag.more) {
    return `More than ${LAG_COUNT_CAP.toLocaleString("en-US")} LLM calls${period} are not ${what} here yet: indexing is catching up.`;
  }
  const calls = plural(lag.calls, "LLM call");
  return `${calls}${period} ${lag.calls === 1 ? "is" : "are"} not ${what} here yet: new calls are indexed every ${INDEX_INTERVAL_MS / 1000} seconds.`;
}
