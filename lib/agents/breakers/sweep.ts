/**
 * The `breaker_sweep` job, every few seconds on one instance per tick
 * (lib/jobs), for what telemetry arriving cannot decide:
 *
 * 1. Measure every enabled breaker (one statement per condition kind): time
 *    passing moves RUN_DURATION (a run running too long) and slides the LOOPS
 *    and SPEND_HOUR windows; rejected escalations are decided by people, not
 *    telemetry; and two concurrent batches that only cross a threshold
 *    together are caught here. Crossings fire as in the hook (fire.ts); the
 *    measures are stored as each breaker's current value (lastValue).
 * 2. Move breakers that are not closed: an open breaker whose agent a person
 *    resumed (or paused) closes; after its cool-down an open breaker with a
 *    half-open test resumes its agent (HALF_OPEN); a half-open breaker records
 *    the first run stored after that, and when it ends, closes (success) or
 *    trips the agent again (failure).
 * Every write is one of the commands, each re-checking its row under a lock,
 * so a "run now" beside a tick, or two bodies at once, change a breaker once.
 */
import "server-only";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { getDb, type Db, type Tx } from "@/lib/db";
import { bulkQuery, JsonPayload } from "@/lib/db/bulk";
import { defineJob } from "@/lib/jobs/define";
import { snapshotOf } from "./cache";
import { mayFire, probeVerdict } from "./conditions";
import { closeBreakerCommand, halfOpenBreakerCommand, recordProbeRun, tripByBreakerCommand } from "./commands";
import { LOCK_TIMEOUT_MS } from "./deferred";
import { fireCrossings } from "./fire";
import { evaluateKind, type Evaluation } from "./measure";
import { BREAKER_CONDITIONS } from "./schemas";

export const BREAKER_SWEEP_INTERVAL_MS = 5_000;
export const SWEEP_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "breaker sweep" };
/** The page's value is rewritten when it changed, or at least this often. */
const VALUE_REFRESH_MS = 30_000;
/** A probe run is one stored after the half-open moment; agents' clocks may be this far behind ours. */
const PROBE_CLOCK_SKEW_MS = 10 * 60_000;

const ENABLED_SQL = `SELECT "id", "agentId", "name", "condition"::text AS "condition", "params", "mode"::text AS "mode", "coolDownMinutes"
  FROM "Breaker" WHERE "enabled" ORDER BY "agentId", "id"`;

export interface SweepSummary {
  [key: string]: number;
  measured: number;
  fired: number;
  halfOpened: number;
  closed: number;
  retripped: number;
}

/** Errors of single breakers: the tick goes on with the others, and fails at the end with the first. */
type Errors = string[];

/**
 * One breaker's write in a transaction of its own, waiting at most LOCK_TIMEOUT_MS for a row (an agent's row is
 * held by every ingest transaction of its new runs until it commits); a failure is counted, not thrown.
 */
async function inOwnTransaction<T>(db: Db, errors: Errors, fn: (tx: Tx) => Promise<T>): Promise<T | null> {
  try {
    return await db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT_MS}ms'`);
      return fn(tx);
    });
  } catch (error) {
    errors.push(error instanceof Error ? error.message.split("\n")[0]! : String(error));
    return null;
  }
}

/** Step 1: measure all, fire crossings, store values. */
async function measureAll(db: Db, now: Date, errors: Errors, signal?: AbortSignal): Promise<{ measured: number; fired: number }> {
  const snapshot = snapshotOf(await bulkQuery(db, null, ENABLED_SQL, []));
  const all = [...snapshot.byAgent.values()].flat();
  let measured = 0;
  let fired = 0;
  const values: { id: string; value: number }[] = [];
  for (const condition of BREAKER_CONDITIONS) {
    if (signal?.aborted) break;
    if (!snapshot.conditions.has(condition)) continue;
    const evaluations = await evaluateKind(db, null, condition, all, now, { eligibleOnly: false });
    measured += evaluations.length;
    for (const e of evaluations) {
      if (!e.measure) continue;
      const stale = !e.reading.lastEvaluatedAt || now.getTime() - e.reading.lastEvaluatedAt.getTime() >= VALUE_REFRESH_MS;
      if (stale || e.reading.lastValue === null || Math.abs(e.reading.lastValue - e.measure.value) > 1e-9) values.push({ id: e.breaker.id, value: e.measure.value });
    }
    for (const e of evaluations.filter((x): x is Evaluation => Boolean(x.measure?.crossed) && mayFire(x.reading, now))) {
      const done = await inOwnTransaction(db, errors, (tx) => fireCrossings(tx, null, SWEEP_ACTOR, [e], now, { agentLock: "wait" }));
      fired += done?.fired.length ?? 0;
    }
  }
  if (values.length) {
    // No lock held beyond this one statement; updatedAt is the configuration's and stays.
    await bulkQuery(
      db,
      null,
      `UPDATE "Breaker" b SET "lastValue" = v.value, "lastEvaluatedAt" = $2::timestamp
       FROM jsonb_to_recordset($1::jsonb) AS v(id text, value float8) WHERE b."id" = v.id AND b."enabled"`,
      [new JsonPayload(JSON.stringify(values)), now.toISOString()],
    );
  }
  return { measured, fired };
}

interface NotClosed {
  id: string;
  name: string;
  agentId: string;
  agentName: string;
  team: string | null;
  condition: string;
  params: unknown;
  state: "OPEN" | "HALF_OPEN";
  mode: "OBSERVE" | "ENFORCE";
  enabled: boolean;
  halfOpen: boolean;
  coolDownMinutes: number;
  stateChangedAt: Date | null;
  probeRunId: string | null;
  agentStatus: "ACTIVE" | "PAUSED" | "TRIPPED";
  statusBreakerId: string | null;
  statusChangedAt: Date | null;
}

const NOT_CLOSED_SQL = `SELECT b."id", b."name", b."agentId", a."name" AS "agentName", (SELECT t."name" FROM "Team" t WHERE t."id" = a."teamId") AS "team",
    b."condition"::text AS "condition", b."params", b."state"::text AS "state", b."mode"::text AS "mode", b."enabled", b."halfOpen", b."coolDownMinutes",
    b."stateChangedAt" AT TIME ZONE 'UTC' AS "stateChangedAt", b."probeRunId", a."status"::text AS "agentStatus", a."statusBreakerId",
    a."statusChangedAt" AT TIME ZONE 'UTC' AS "statusChangedAt"
  FROM "Breaker" b JOIN "Agent" a ON a."id" = b."agentId" WHERE b."state" <> 'CLOSED' ORDER BY b."id" LIMIT 1000`;

const PROBE_SQL = `SELECT r."id", r."status"::text AS "status", r."outcome"::text AS "outcome" FROM "Run" r
  WHERE r."agentId" = $1 AND r."startedAt" >= $2::timestamp - make_interval(secs => $3::int) AND r."createdAt" >= $2::timestamp
  ORDER BY r."createdAt", r."id" LIMIT 1`;

type Move = "closed" | "halfOpened" | "retripped" | null;

/** Step 2, for one breaker: each write a command in its own transaction. */
async function moveOne(db: Db, b: NotClosed, now: Date, errors: Errors): Promise<Move> {
  if (b.state === "OPEN") {
    const heldByIt = b.agentStatus === "TRIPPED" && b.statusBreakerId === b.id;
    if (!heldByIt || !b.enabled || b.mode === "OBSERVE") {
      const why = !b.enabled ? "it was disabled" : b.mode === "OBSERVE" ? "it only observes now" : b.agentStatus === "ACTIVE" ? "a person resumed the agent" : `the agent is ${b.agentStatus.toLowerCase()} by someone else`;
      const closed = await inOwnTransaction(db, errors, (t) =>
        closeBreakerCommand(t, SWEEP_ACTOR, { breakerId: b.id, now, from: ["OPEN"], reason: `Closed: ${why}.`, windowStartedAt: b.agentStatus === "ACTIVE" ? (b.statusChangedAt ?? now) : now }),
      );
      return closed ? "closed" : null;
    }
    if (b.halfOpen && b.stateChangedAt && now.getTime() - b.stateChangedAt.getTime() >= b.coolDownMinutes * 60_000) {
      return (await inOwnTransaction(db, errors, (t) => halfOpenBreakerCommand(t, SWEEP_ACTOR, { breakerId: b.id, now }))) ? "halfOpened" : null;
    }
    return null;
  }
  // HALF_OPEN: the agent runs again; a person pausing it, or another breaker tripping it, ends the test.
  if (b.agentStatus !== "ACTIVE" || !b.enabled || b.mode === "OBSERVE") {
    const closed = await inOwnTransaction(db, errors, (t) => closeBreakerCommand(t, SWEEP_ACTOR, { breakerId: b.id, now, from: ["HALF_OPEN"], reason: `Half-open test ended: the agent is ${b.agentStatus.toLowerCase()}.` }));
    return closed ? "closed" : null;
  }
  const since = b.stateChangedAt ?? now;
  const [probe] = b.probeRunId
    ? await bulkQuery<{ id: string; status: string; outcome: string }>(db, null, `SELECT "id", "status"::text AS "status", "outcome"::text AS "outcome" FROM "Run" WHERE "id" = $1`, [b.probeRunId])
    : await bulkQuery<{ id: string; status: string; outcome: string }>(db, null, PROBE_SQL, [b.agentId, since.toISOString(), PROBE_CLOCK_SKEW_MS / 1000]);
  if (!probe) return null;
  if (!b.probeRunId) await inOwnTransaction(db, errors, (t) => recordProbeRun(t, b.id, probe.id));
  const verdict = probeVerdict(probe);
  if (verdict === "success") {
    const closed = await inOwnTransaction(db, errors, (t) =>
      closeBreakerCommand(t, SWEEP_ACTOR, { breakerId: b.id, now, from: ["HALF_OPEN"], reason: "Half-open test passed: the run let through succeeded.", runIds: [probe.id] }),
    );
    return closed ? "closed" : null;
  }
  if (verdict === "failure") {
    const retripped = await inOwnTransaction(db, errors, async (t) => {
      // Still half-open, under its lock: of two bodies, one trips.
      const [still] = await t.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Breaker" WHERE "id" = ${b.id} AND "state" = 'HALF_OPEN' FOR UPDATE`;
      if (!still) return null;
      return tripByBreakerCommand(t, SWEEP_ACTOR, {
        breakerId: b.id,
        breakerName: b.name,
        agentId: b.agentId,
        agentName: b.agentName,
        team: b.team,
        condition: b.condition,
        params: b.params,
        value: null,
        message: `Half-open test failed: the run let through ${probe.status === "STALLED" ? "stalled" : "failed"}; tripped again.`,
        runIds: [probe.id],
        now,
        from: ["ACTIVE"],
      });
    });
    return retripped ? "retripped" : null;
  }
  return null;
}

/** One tick. Throws at the end (after doing all it could) when some breaker's write failed, with the first reason. */
export async function sweepBreakers(db: Db, now: Date = new Date(), signal?: AbortSignal): Promise<SweepSummary> {
  const errors: Errors = [];
  const summary: SweepSummary = { measured: 0, fired: 0, halfOpened: 0, closed: 0, retripped: 0 };
  Object.assign(summary, await measureAll(db, now, errors, signal));
  const notClosed = await bulkQuery<NotClosed>(db, null, NOT_CLOSED_SQL, []);
  for (const b of notClosed) {
    if (signal?.aborted) break;
    const move = await moveOne(db, b, now, errors);
    if (move) summary[move]++;
  }
  if (errors.length) throw new Error(`${errors.length} breaker write(s) failed and will be retried next tick; the first: ${errors[0]}`);
  return summary;
}

export const breakerSweepJob = defineJob({
  name: "breaker_sweep",
  description: "Measures every enabled circuit breaker (runs running too long, rejections in a row, sliding windows), fires those that crossed, and runs cool-downs and half-open tests.",
  intervalMs: BREAKER_SWEEP_INTERVAL_MS,
  run: async ({ now, signal }) => ({ ...(await sweepBreakers(getDb(), now, signal)) }),
});
