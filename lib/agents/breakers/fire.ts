/**
 * Firing breakers that crossed their threshold, exactly once however many
 * instances measured the same crossing (the hook of two concurrent batches,
 * the sweep beside a batch):
 *
 * 1. The crossing breakers' rows are locked with `FOR UPDATE SKIP LOCKED`,
 *    re-checking under the lock (on the latest committed row) that each is
 *    still enabled, not open, past its cool-down, and that its window has not
 *    moved since it was measured (another instance that fired it moved it).
 *    A row another transaction holds is skipped: that transaction is firing
 *    it, or changing it; ingestion never waits on a breaker row, so it cannot
 *    deadlock on one either.
 * 2. Enforce: the agent's row is locked, then `tripAgentCommand` trips it only
 *    if it is still active (a conditional UPDATE). Observe: the would-trip event.
 * Nothing is locked unless a threshold was crossed.
 *
 * The agent's row, in ingestion: `transitionStatus` locks it `FOR NO KEY
 * UPDATE`, which does not conflict with the `FOR KEY SHARE` lock every
 * concurrent ingest transaction that inserted a run of that agent holds until
 * it commits (the foreign key check), but does with another status change or
 * update of the row. Waiting there, inside ingestion, could stall the batch
 * and deadlock, so ingestion only takes the row if it is free
 * (`SKIP LOCKED`, mode "skip"): uncontended, the trip commits with the spans;
 * contended, the firing is handed over (deferred.ts): a notification, sent at
 * commit, makes a fresh transaction fire it at once, waiting for the row
 * (mode "wait", bounded by a lock timeout); the sweep retries what is left.
 */
import "server-only";
import type { Actor } from "@/lib/audit";
import type { Tx } from "@/lib/db";
import { bulkQuery, type Connection } from "@/lib/db/bulk";
import { recordWouldTripCommand, tripByBreakerCommand } from "./commands";
import type { Evaluation } from "./measure";

interface Locked {
  id: string;
  name: string;
  mode: "OBSERVE" | "ENFORCE";
  state: "CLOSED" | "OPEN" | "HALF_OPEN";
  windowStartedAt: Date | null;
  agentName: string;
  team: string | null;
}

const LOCK_SQL = `SELECT b."id", b."name", b."mode"::text AS "mode", b."state"::text AS "state", b."windowStartedAt" AT TIME ZONE 'UTC' AS "windowStartedAt",
    a."name" AS "agentName", (SELECT t."name" FROM "Team" t WHERE t."id" = a."teamId") AS "team"
  FROM "Breaker" b JOIN "Agent" a ON a."id" = b."agentId"
  WHERE b."id" = ANY($1::text[]) AND b."enabled" AND b."state" <> 'OPEN'
    AND (b."lastFiredAt" IS NULL OR b."lastFiredAt" <= $2::timestamp - make_interval(mins => b."coolDownMinutes"))
  ORDER BY b."id"
  FOR UPDATE OF b SKIP LOCKED`;

const LOCK_AGENT_SQL = {
  skip: `SELECT "id" FROM "Agent" WHERE "id" = $1 AND "status" = 'ACTIVE' FOR NO KEY UPDATE SKIP LOCKED`,
  wait: `SELECT "id" FROM "Agent" WHERE "id" = $1 AND "status" = 'ACTIVE' FOR NO KEY UPDATE`,
} as const;

export interface Fired {
  breakerId: string;
  kind: "TRIPPED" | "WOULD_TRIP";
}

export interface FireResult {
  fired: Fired[];
  /** Enforcing breakers whose agent row was busy (mode "skip"): to fire outside this transaction. */
  deferred: string[];
}

export interface FireOptions {
  /** "skip" in ingestion (never wait on the agent's row), "wait" in a transaction of its own. */
  agentLock: "skip" | "wait";
}

const sameInstant = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** Fires the crossings (measured by the caller, already past `mayFire`) on the caller's transaction; what actually fired. */
export async function fireCrossings(tx: Tx, connection: Connection, actor: Actor, crossings: readonly Evaluation[], now: Date, options: FireOptions): Promise<FireResult> {
  const byId = new Map(crossings.filter((c) => c.measure?.crossed).map((c) => [c.breaker.id, c]));
  const fired: Fired[] = [];
  const deferred: string[] = [];
  if (byId.size === 0) return { fired, deferred };
  const locked = await bulkQuery<Locked>(tx, connection, LOCK_SQL, [[...byId.keys()], now.toISOString()]);
  for (const row of locked) {
    const c = byId.get(row.id)!;
    if (!sameInstant(row.windowStartedAt, c.reading.windowStartedAt)) continue;
    const firing = {
      breakerId: row.id,
      breakerName: row.name,
      agentId: c.breaker.agentId,
      agentName: row.agentName,
      team: row.team,
      condition: c.breaker.condition,
      params: c.breaker.params,
      value: c.measure!.value,
      message: c.measure!.message,
      runIds: c.measure!.runIds,
      now,
    };
    if (row.mode === "OBSERVE") {
      await recordWouldTripCommand(tx, actor, firing);
      fired.push({ breakerId: row.id, kind: "WOULD_TRIP" });
      continue;
    }
    const [agent] = await bulkQuery<{ id: string }>(tx, connection, LOCK_AGENT_SQL[options.agentLock], [c.breaker.agentId]);
    if (!agent) {
      // Not active any more (nothing to do), or, in "skip" mode, busy: the row says which.
      if (options.agentLock === "skip") deferred.push(row.id);
      continue;
    }
    if (await tripByBreakerCommand(tx, actor, firing)) fired.push({ breakerId: row.id, kind: "TRIPPED" });
  }
  return { fired, deferred };
}
