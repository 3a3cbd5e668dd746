/**
 * Re-pricing of stored LLM calls that had no price (`Step.unpriced`), after an
 * admin adds the missing price: the `PriceRecompute` rows queued by
 * `queuePriceRecomputeCommand` (commands.ts) and the `price_recompute` job
 * that works through them, 1,000 calls per transaction.
 *
 * One batch (`repriceBatchCommand`) is one transaction that:
 * 1. claims the oldest queued or running recompute, `FOR UPDATE SKIP LOCKED`
 *    (a second job body, on this instance or another, takes the next one or
 *    none, and never the same batch);
 * 2. reads the next unpriced calls after its `cursor`, in id order (the
 *    partial index fd_step_unpriced), keeps those its pattern covers and
 *    prices each with the price in force at its start (`buildPriceTable` /
 *    `computeCost`, as ingestion does);
 * 3. locks their runs in trace id order, as ingestion's run upsert does;
 * 4. sets the steps' cost `WHERE unpriced … RETURNING`: only the rows this
 *    statement changed count, so a call is never re-priced (or counted) twice,
 *    whatever else runs;
 * 5. applies the deltas of exactly those rows: Run (cost +, unpriced −), then
 *    SpendMonthly and SpendDaily (cost +, unpriced calls −), locked in the
 *    order ingestion's rollup statement takes them (lib/spend/rollup.ts:
 *    months, then days, each in key order), so concurrent ingestion into the
 *    same rows cannot deadlock with it;
 * 6. advances the recompute (done, cursor; DONE after the last batch) and
 *    appends one `model_price.reprice` audit event with the dollars added.
 * Everything commits together or not at all: a batch that fails leaves
 * nothing behind, and the next tick starts again from the same cursor.
 *
 * Which rollup row a call was counted in: ingestion keys a call by its day
 * (UTC), model, prompt name and version, and the agent and team *of the span*
 * (falling back to the run's), which the Step does not keep. The run's agent
 * and team are the same in all but multi-agent traces and runs whose agent
 * arrived late, so a call goes to that row while it still counts unpriced
 * calls, else to the closest row of the same day, model and prompt that does
 * (same agent, then same team, then any): totals per day, model and prompt
 * stay exact, and no row's unpriced count goes below zero.
 */
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { defineCommand } from "@/lib/commands";
import { getDb, transactionWithConnection, type Tx } from "@/lib/db";
import { bulkQuery, JsonPayload, type Connection } from "@/lib/db/bulk";
import { isDatabaseUnavailable } from "@/lib/errors";
import { defineJob, type JobSummary } from "@/lib/jobs/define";
import { errorMessageOf } from "@/lib/jobs/policy";
import type { SpendKey } from "@/lib/spend/rollup";
import { buildPriceTable, computeCost, loadPriceTable, PRICE_TABLE_VERSION_SQL } from "./pricing";

export const PRICE_RECOMPUTE_JOB = "price_recompute";
export const PRICE_RECOMPUTE_INTERVAL_MS = 5_000;
/** Calls per transaction: short lock holds on the shared rollup rows, few round trips. */
export const REPRICE_BATCH_SIZE = 1_000;
/** How long one tick keeps taking batches before it hands back to the scheduler. */
export const REPRICE_TICK_BUDGET_MS = 10_000;

// ── which calls a recompute covers ──────────────────────────────────────────

/**
 * Whether `model` is one a price of `matchPattern` would price (null: every
 * model): the price table's own matching, provider prefixes and date suffixes
 * included, with a one-row table in force since forever.
 */
export function modelMatcher(matchPattern: string | null): (model: string | null) => boolean {
  if (matchPattern === null) return () => true;
  const table = buildPriceTable([
    { id: "", model: "", matchPattern, inputPerMillion: 0, outputPerMillion: 0, cachedInputPerMillion: null, effectiveFrom: new Date(0) },
  ]);
  const always = new Date(8.64e15);
  return (model) => model !== null && table.find(model, always) !== null;
}

/**
 * The literal parts of a pattern, lower case: every name the pattern matches
 * (after the price table strips prefixes and suffixes) is a substring of the
 * model as sent, so each part occurs in it. SQL narrows the candidates with
 * them; `modelMatcher` decides.
 */
export function patternSegments(matchPattern: string | null): string[] {
  if (matchPattern === null) return [];
  return matchPattern
    .trim()
    .toLowerCase()
    .split("*")
    .filter((part) => part !== "");
}

/** The SQL condition on `s.model` for `$n` = the pattern's segments as a jsonb array. */
const segmentsCondition = (param: string) =>
  `NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(${param}::jsonb) seg WHERE COALESCE(strpos(lower(s.model), seg), 0) = 0)`;

export interface UnpricedModel {
  model: string | null;
  calls: number;
  /** Start of its latest unpriced call: if a price is in force then, re-pricing prices some of its calls. */
  lastAt: Date;
}

/** The unpriced LLM calls, per model, that a pattern covers (null: all of them); most first. */
export async function countUnpricedCalls(tx: Tx, matchPattern: string | null): Promise<{ calls: number; models: UnpricedModel[] }> {
  const rows = await tx.$queryRawUnsafe<{ model: string | null; calls: number; lastAtMs: number }[]>(
    `SELECT s.model, count(*)::int4 AS calls, (extract(epoch FROM max(s."startedAt")) * 1000)::float8 AS "lastAtMs" FROM "Step" s
     WHERE s.unpriced AND s.kind = 'LLM_CALL' AND ${segmentsCondition("$1")}
     GROUP BY s.model ORDER BY calls DESC, s.model`,
    JSON.stringify(patternSegments(matchPattern)),
  );
  const matches = modelMatcher(matchPattern);
  const models = rows.filter((r) => matches(r.model)).map((r) => ({ model: r.model, calls: Number(r.calls), lastAt: new Date(Number(r.lastAtMs)) }));
  return { calls: models.reduce((sum, m) => sum + m.calls, 0), models };
}

// ── the rollup rows a batch corrects (pure) ─────────────────────────────────

/** One re-priced call: its cell as its run says (agent and team), and the cost it now has. */
export interface RepricedCall extends SpendKey {
  costNano: bigint;
}

/** A SpendDaily row that still counts unpriced calls. */
export interface UnpricedCell extends SpendKey {
  unpricedCalls: number;
}

export interface CellDelta extends SpendKey {
  /** Unpriced calls that are priced now. */
  calls: number;
  costNano: bigint;
}

export interface MonthDelta {
  /** YYYY-MM-01 */
  month: string;
  teamId: string;
  agentId: string;
  calls: number;
  costNano: bigint;
}

const groupKey = (k: SpendKey) => `${k.day}\u0000${k.model}\u0000${k.promptName}\u0000${k.promptVersion}`;

/**
 * Places each call in a SpendDaily row that counts it as unpriced (see the
 * header): its own row first, else the row of the same day, model and prompt
 * with the same agent, then the same team, then any; ties go to the earlier
 * row of `cells` (given in key order). A row never takes more calls than it
 * counts as unpriced. `unplaced`: calls no row accounts for (rows removed by
 * hand): their steps and runs are re-priced, the rollup is left as it is.
 */
export function allocateToRollup(calls: readonly RepricedCall[], cells: readonly UnpricedCell[]): { daily: CellDelta[]; unplaced: number } {
  const groups = new Map<string, { cell: UnpricedCell; left: number; delta: CellDelta | null }[]>();
  const ordered: { delta: CellDelta | null }[] = [];
  for (const cell of cells) {
    const slot = { cell, left: cell.unpricedCalls, delta: null as CellDelta | null };
    ordered.push(slot);
    const key = groupKey(cell);
    const group = groups.get(key);
    if (group) group.push(slot);
    else groups.set(key, [slot]);
  }
  let unplaced = 0;
  for (const call of calls) {
    let best: { cell: UnpricedCell; left: number; delta: CellDelta | null } | null = null;
    let bestScore = -1;
    for (const slot of groups.get(groupKey(call)) ?? []) {
      if (slot.left <= 0) continue;
      const score = (slot.cell.agentId === call.agentId ? 2 : 0) + (slot.cell.teamId === call.teamId ? 1 : 0);
      if (score > bestScore) {
        best = slot;
        bestScore = score;
      }
    }
    if (!best) {
      unplaced += 1;
      continue;
    }
    best.left -= 1;
    const { day, teamId, agentId, model, promptName, promptVersion } = best.cell;
    best.delta ??= { day, teamId, agentId, model, promptName, promptVersion, calls: 0, costNano: 0n };
    best.delta.calls += 1;
    best.delta.costNano += call.costNano;
  }
  return { daily: ordered.flatMap((s) => (s.delta ? [s.delta] : [])), unplaced };
}

/** The SpendMonthly deltas of daily ones (what ingestion adds to both, by the same key). */
export function monthlyDeltas(daily: readonly CellDelta[]): MonthDelta[] {
  const months = new Map<string, MonthDelta>();
  for (const d of daily) {
    const month = `${d.day.slice(0, 7)}-01`;
    const key = `${month}\u0000${d.teamId}\u0000${d.agentId}`;
    const m = months.get(key);
    if (m) {
      m.calls += d.calls;
      m.costNano += d.costNano;
    } else {
      months.set(key, { month, teamId: d.teamId, agentId: d.agentId, calls: d.calls, costNano: d.costNano });
    }
  }
  return [...months.values()];
}

/** Nano-dollars as the exact decimal text of a numeric(20,9) column. */
export function nanoToUsd(nano: bigint): string {
  const negative = nano < 0n;
  const abs = negative ? -nano : nano;
  return `${negative ? "-" : ""}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, "0")}`;
}

/** A cost as ingestion stores it (9 decimals), in nano-dollars. */
const costToNano = (cost: number) => BigInt(cost.toFixed(9).replace(".", ""));

// ── one batch ───────────────────────────────────────────────────────────────

export interface RepriceBatchInput {
  /** The batch's time (startedAt, finishedAt). */
  at: Date;
  batchSize?: number;
  connection?: Connection;
}

export interface RepriceBatchResult {
  recomputeId: string;
  /** Unpriced calls read after the cursor (the pattern's candidates). */
  scanned: number;
  /** Of those, calls the recompute covers. */
  matched: number;
  repriced: number;
  stillUnpriced: number;
  addedNano: bigint;
  finished: boolean;
}

/** A batch failed after it claimed `recomputeId` (the transaction rolled back). */
export class RepriceBatchError extends Error {
  constructor(
    readonly recomputeId: string,
    readonly failure: unknown,
  ) {
    super(errorMessageOf(failure));
    this.name = "RepriceBatchError";
  }
}

interface ClaimedRecompute {
  id: string;
  status: "QUEUED" | "RUNNING";
  matchPattern: string | null;
  cursor: string | null;
}

interface UnpricedStepRow {
  id: string;
  runId: string;
  startedAtMs: number;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cachedInputTokens: number | null;
  promptName: string | null;
  promptVersion: number | null;
}

const CLAIM_SQL = `SELECT id, status::text AS status, "matchPattern", cursor FROM "PriceRecompute"
  WHERE status IN ('QUEUED', 'RUNNING') ORDER BY "createdAt", id LIMIT 1 FOR UPDATE SKIP LOCKED`;

const NEXT_STEPS_SQL = `SELECT s.id, s."runId", (extract(epoch FROM s."startedAt") * 1000)::float8 AS "startedAtMs", s.model,
    s."inputTokens", s."outputTokens", s."cachedInputTokens", s."promptName", s."promptVersion"
  FROM "Step" s
  WHERE s.unpriced AND s.id > $1 AND s.kind = 'LLM_CALL' AND ${segmentsCondition("$2")}
  ORDER BY s.id LIMIT $3`;

/** Ingestion's run upsert locks runs in trace id order: the same order here. */
const LOCK_RUNS_SQL = `SELECT r.id, r."agentId", r."teamId" FROM "Run" r
  WHERE r.id IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY r."traceId" FOR UPDATE`;

const PRICE_STEPS_SQL = `UPDATE "Step" s SET "costUsd" = v."costUsd", unpriced = false
  FROM jsonb_to_recordset($1::jsonb) AS v(id text, "costUsd" numeric)
  WHERE s.id = v.id AND s.unpriced
  RETURNING s.id`;

const RUN_DELTAS_SQL = `UPDATE "Run" r SET "costUsd" = r."costUsd" + v."costUsd", "unpricedCount" = r."unpricedCount" - v.calls, "updatedAt" = now()
  FROM jsonb_to_recordset($1::jsonb) AS v(id text, calls int4, "costUsd" numeric)
  WHERE r.id = v.id`;

/** The rows of these days, models and prompts still counting unpriced calls (read unlocked: their months are locked first). */
const UNPRICED_CELLS_SQL = `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, d."teamId", d."agentId", d.model, d."promptName", d."promptVersion"
  FROM "SpendDaily" d
  WHERE (d.day, d.model, d."promptName", d."promptVersion") IN (
          SELECT g.day, g.model, g."promptName", g."promptVersion"
          FROM jsonb_to_recordset($1::jsonb) AS g(day date, model text, "promptName" text, "promptVersion" int4))
    AND d."unpricedCalls" > 0`;

/** Those rows, locked in ingestion's key order, with their unpriced counts as they are now. */
const LOCK_DAILY_SQL = `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, d."teamId", d."agentId", d.model, d."promptName", d."promptVersion", d."unpricedCalls"
  FROM "SpendDaily" d
  WHERE (d.day, d."teamId", d."agentId", d.model, d."promptName", d."promptVersion") IN (
          SELECT v.day, v."teamId", v."agentId", v.model, v."promptName", v."promptVersion"
          FROM jsonb_to_recordset($1::jsonb) AS v(day date, "teamId" text, "agentId" text, model text, "promptName" text, "promptVersion" int4))
  ORDER BY d.day, d."teamId", d."agentId", d.model, d."promptName", d."promptVersion"
  FOR UPDATE`;

const DAILY_DELTAS_SQL = `UPDATE "SpendDaily" d SET "unpricedCalls" = d."unpricedCalls" - v.calls, "costUsd" = d."costUsd" + v."costUsd"
  FROM jsonb_to_recordset($1::jsonb) AS v(day date, "teamId" text, "agentId" text, model text, "promptName" text, "promptVersion" int4,
       calls int4, "costUsd" numeric)
  WHERE d.day = v.day AND d."teamId" = v."teamId" AND d."agentId" = v."agentId" AND d.model = v.model
    AND d."promptName" = v."promptName" AND d."promptVersion" = v."promptVersion"`;

const LOCK_MONTHLY_SQL = `SELECT 1 FROM "SpendMonthly" m
  WHERE (m.month, m."teamId", m."agentId") IN (
          SELECT v.month, v."teamId", v."agentId" FROM jsonb_to_recordset($1::jsonb) AS v(month date, "teamId" text, "agentId" text))
  ORDER BY m.month, m."teamId", m."agentId"
  FOR UPDATE`;

const MONTHLY_DELTAS_SQL = `UPDATE "SpendMonthly" m SET "unpricedCalls" = m."unpricedCalls" - v.calls, "costUsd" = m."costUsd" + v."costUsd"
  FROM jsonb_to_recordset($1::jsonb) AS v(month date, "teamId" text, "agentId" text, calls int4, "costUsd" numeric)
  WHERE m.month = v.month AND m."teamId" = v."teamId" AND m."agentId" = v."agentId"`;

const json = (value: unknown) => new JsonPayload(JSON.stringify(value));

/** Steps 3–5 of the header for the priced calls of one batch; returns what was really re-priced. */
async function applyPrices(
  tx: Tx,
  connection: Connection,
  priced: { step: UnpricedStepRow; costUsd: string; costNano: bigint }[],
): Promise<{ repriced: number; addedNano: bigint; runs: number; unplaced: number }> {
  const runIds = [...new Set(priced.map((p) => p.step.runId))];
  const runs = await bulkQuery<{ id: string; agentId: string | null; teamId: string | null }>(tx, connection, LOCK_RUNS_SQL, [json(runIds)]);
  const runById = new Map(runs.map((r) => [r.id, r]));

  const updated = await bulkQuery<{ id: string }>(tx, connection, PRICE_STEPS_SQL, [json(priced.map((p) => ({ id: p.step.id, costUsd: p.costUsd })))]);
  const changed = new Set(updated.map((r) => r.id));
  const repriced = priced.filter((p) => changed.has(p.step.id));
  if (repriced.length === 0) return { repriced: 0, addedNano: 0n, runs: 0, unplaced: 0 };

  const perRun = new Map<string, { calls: number; nano: bigint }>();
  const calls: RepricedCall[] = [];
  let addedNano = 0n;
  for (const { step, costNano } of repriced) {
    addedNano += costNano;
    const r = perRun.get(step.runId) ?? { calls: 0, nano: 0n };
    r.calls += 1;
    r.nano += costNano;
    perRun.set(step.runId, r);
    const run = runById.get(step.runId);
    calls.push({
      day: new Date(step.startedAtMs).toISOString().slice(0, 10),
      teamId: run?.teamId ?? "",
      agentId: run?.agentId ?? "",
      model: step.model ?? "",
      promptName: step.promptName ?? "",
      promptVersion: step.promptVersion ?? 0,
      costNano,
    });
  }
  await bulkQuery(tx, connection, RUN_DELTAS_SQL, [json([...perRun].map(([id, r]) => ({ id, calls: r.calls, costUsd: nanoToUsd(r.nano) })))]);

  // Ingestion's rollup statement upserts SpendMonthly before SpendDaily (the daily upsert is a CTE the main
  // INSERT does not read, so PostgreSQL runs it after), each in key order: the months are locked first here too.
  // Every call re-priced here was counted when it was stored, so its row is among the ones read now.
  const groups = new Map(calls.map((c) => [groupKey(c), { day: c.day, model: c.model, promptName: c.promptName, promptVersion: c.promptVersion }]));
  const candidates = await bulkQuery<SpendKey>(tx, connection, UNPRICED_CELLS_SQL, [json([...groups.values()])]);
  const months = new Map(candidates.map((c) => [`${c.day.slice(0, 7)}\u0000${c.teamId}\u0000${c.agentId}`, { month: `${c.day.slice(0, 7)}-01`, teamId: c.teamId, agentId: c.agentId }]));
  if (months.size > 0) await bulkQuery(tx, connection, LOCK_MONTHLY_SQL, [json([...months.values()])]);
  const cells = candidates.length > 0 ? await bulkQuery<UnpricedCell>(tx, connection, LOCK_DAILY_SQL, [json(candidates)]) : [];
  const { daily, unplaced } = allocateToRollup(
    calls,
    cells.map((c) => ({ ...c, promptVersion: Number(c.promptVersion), unpricedCalls: Number(c.unpricedCalls) })),
  );
  if (unplaced > 0) console.warn(`[flightdeck] price recompute: ${unplaced} re-priced call(s) had no SpendDaily row counting them as unpriced`);
  if (daily.length > 0) {
    await bulkQuery(tx, connection, DAILY_DELTAS_SQL, [json(daily.map(({ costNano, ...cell }) => ({ ...cell, costUsd: nanoToUsd(costNano) })))]);
    const monthly = monthlyDeltas(daily);
    await bulkQuery(tx, connection, MONTHLY_DELTAS_SQL, [json(monthly.map(({ costNano, ...month }) => ({ ...month, costUsd: nanoToUsd(costNano) })))]);
  }
  return { repriced: repriced.length, addedNano, runs: perRun.size, unplaced };
}

/**
 * One batch of the oldest recompute not being worked on (null: none to work
 * on), as a command: its audit event, `model_price.reprice`, records what the
 * batch changed, in the batch's transaction (none when it priced nothing).
 */
export const repriceBatchCommand = defineCommand("model_price.reprice", { user: "admin" }, async (tx, _actor, input: RepriceBatchInput) => {
  const connection = input.connection ?? null;
  const [claimed] = await bulkQuery<ClaimedRecompute>(tx, connection, CLAIM_SQL, []);
  if (!claimed) return { result: null, audit: null };
  try {
    const limit = input.batchSize ?? REPRICE_BATCH_SIZE;
    const [versions] = await bulkQuery<{ prices: string }>(tx, connection, `SELECT (${PRICE_TABLE_VERSION_SQL}) AS prices`, []);
    const prices = await loadPriceTable(tx, versions!.prices);
    const steps = await bulkQuery<UnpricedStepRow>(tx, connection, NEXT_STEPS_SQL, [
      claimed.cursor ?? "",
      JSON.stringify(patternSegments(claimed.matchPattern)),
      limit,
    ]);
    const covers = modelMatcher(claimed.matchPattern);
    const matched = steps.filter((s) => covers(s.model));
    const priced: { step: UnpricedStepRow; costUsd: string; costNano: bigint }[] = [];
    for (const step of matched) {
      const price = step.model ? prices.find(step.model, new Date(Number(step.startedAtMs))) : null;
      if (!price) continue;
      const cost = computeCost(price, {
        inputTokens: step.inputTokens ?? 0,
        outputTokens: step.outputTokens ?? 0,
        cachedInputTokens: step.cachedInputTokens ?? 0,
      });
      priced.push({ step, costUsd: cost.toFixed(9), costNano: costToNano(cost) });
    }
    const applied = priced.length > 0 ? await applyPrices(tx, connection, priced) : { repriced: 0, addedNano: 0n, runs: 0, unplaced: 0 };
    const stillUnpriced = matched.length - priced.length;
    const finished = steps.length < limit;
    const cursor = steps.at(-1)?.id ?? claimed.cursor;
    const updated = await tx.priceRecompute.update({
      where: { id: claimed.id },
      data: {
        status: finished ? "DONE" : "RUNNING",
        ...(claimed.status === "QUEUED" ? { startedAt: input.at } : {}),
        ...(finished ? { finishedAt: input.at } : {}),
        done: { increment: matched.length },
        repriced: { increment: applied.repriced },
        stillUnpriced: { increment: stillUnpriced },
        cursor,
      },
      select: { total: true, done: true },
    });
    // The count at queueing is a snapshot: calls stored since (or re-priced by another recompute) move it.
    if (finished ? updated.total !== updated.done : updated.done > updated.total) {
      await tx.priceRecompute.update({ where: { id: claimed.id }, data: { total: finished ? updated.done : Math.max(updated.total, updated.done) } });
    }
    const result: RepriceBatchResult = {
      recomputeId: claimed.id,
      scanned: steps.length,
      matched: matched.length,
      repriced: applied.repriced,
      stillUnpriced,
      addedNano: applied.addedNano,
      finished,
    };
    return {
      result,
      audit:
        applied.repriced === 0
          ? null
          : {
              targetType: "price_recompute",
              targetId: claimed.id,
              metadata: {
                matchPattern: claimed.matchPattern,
                repriced: applied.repriced,
                addedUsd: nanoToUsd(applied.addedNano),
                stillUnpriced,
                runs: applied.runs,
                ...(applied.unplaced > 0 ? { rollupUnplaced: applied.unplaced } : {}),
                fromCursor: claimed.cursor,
                toCursor: cursor,
              },
            },
    };
  } catch (error) {
    throw new RepriceBatchError(claimed.id, error);
  }
});

// ── the job ─────────────────────────────────────────────────────────────────

const RECOMPUTE_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "price recompute" };

/** SQLSTATEs worth retrying on the next tick: deadlock, serialization failure, lock timeout. */
const TRANSIENT_SQLSTATES = new Set(["40P01", "40001", "55P03"]);
/** Prisma's: write conflict or deadlock; transaction closed (timed out). */
const TRANSIENT_PRISMA_CODES = new Set(["P2034", "P2028"]);

/** A failure the next tick may not see again (a lock conflict, the database away): the recompute stays RUNNING. */
export function isTransientDatabaseError(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; code?: unknown } } } };
  const cause = e.meta?.driverAdapterError?.cause;
  const codes = [e.code, cause?.originalCode, cause?.code].filter((c): c is string => typeof c === "string");
  return cause?.kind === "TransactionWriteConflict" || codes.some((c) => TRANSIENT_SQLSTATES.has(c) || TRANSIENT_PRISMA_CODES.has(c));
}

export interface RepriceTickOptions {
  now: Date;
  signal?: AbortSignal;
  budgetMs?: number;
  batchSize?: number;
}

export interface RepriceTickSummary extends JobSummary {
  batches: number;
  repriced: number;
  stillUnpriced: number;
  finished: number;
}

/**
 * Batches, one transaction each, until nothing is left to work on, the time
 * budget is spent or the signal aborts. A batch that fails for a lasting
 * reason marks its recompute FAILED with the message; a transient failure
 * (deadlock, timeout, database away) leaves it RUNNING for the next tick.
 * Either way the tick fails, so Settings › System shows the error.
 */
export async function workPriceRecomputes(options: RepriceTickOptions): Promise<RepriceTickSummary> {
  const db = getDb();
  const summary: RepriceTickSummary = { batches: 0, repriced: 0, stillUnpriced: 0, finished: 0 };
  // Most ticks: nothing queued, and no transaction opened to find that out.
  if ((await db.priceRecompute.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } })) === 0) return summary;
  const started = performance.now();
  const budgetMs = options.budgetMs ?? REPRICE_TICK_BUDGET_MS;
  while (!options.signal?.aborted && performance.now() - started < budgetMs) {
    const at = new Date(options.now.getTime() + Math.round(performance.now() - started));
    let batch: RepriceBatchResult | null;
    try {
      batch = await transactionWithConnection(
        (tx, connection) => repriceBatchCommand(tx, RECOMPUTE_ACTOR, { at, batchSize: options.batchSize, connection }),
        { maxWait: 10_000, timeout: 60_000 },
      );
    } catch (error) {
      if (!(error instanceof RepriceBatchError)) throw error;
      if (!isTransientDatabaseError(error.failure)) {
        await db.priceRecompute.updateMany({
          where: { id: error.recomputeId, status: { in: ["QUEUED", "RUNNING"] } },
          data: { status: "FAILED", error: error.message, finishedAt: at },
        });
      }
      throw error.failure;
    }
    if (!batch) break;
    summary.batches += 1;
    summary.repriced += batch.repriced;
    summary.stillUnpriced += batch.stillUnpriced;
    if (batch.finished) summary.finished += 1;
  }
  return summary;
}

export const priceRecomputeJob = defineJob({
  name: PRICE_RECOMPUTE_JOB,
  description: `Re-prices stored LLM calls that had no price, after an admin adds one (Settings › Model prices), ${REPRICE_BATCH_SIZE.toLocaleString("en-US")} calls per transaction.`,
  intervalMs: PRICE_RECOMPUTE_INTERVAL_MS,
  run: ({ now, signal }) => workPriceRecomputes({ now, signal }),
});
