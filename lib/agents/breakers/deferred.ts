/**
 * Firing handed over by ingestion when the agent's row was busy (fire.ts):
 * the ingest transaction notifies `breaker_fire` with the breaker's id, the
 * notification is delivered when it commits, and every listening instance
 * re-measures that one breaker in a transaction of its own and fires it,
 * waiting for the agent's row (at most LOCK_TIMEOUT). The breaker row lock and
 * the re-checks under it (fire.ts) make it fire once whichever instances try;
 * a firing still pending after that (lock timeout, no listener, a lost
 * notification) is the sweep's, a few seconds later.
 */
import "server-only";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { getDb, type Tx } from "@/lib/db";
import { bulkQuery } from "@/lib/db/bulk";
import { notify, subscribe } from "@/lib/db/notifications";
import { snapshotOf } from "./cache";
import { mayFire } from "./conditions";
import { fireCrossings, type FireResult } from "./fire";
import { evaluateKind } from "./measure";

export const BREAKER_FIRE_CHANNEL = "breaker_fire";
/** How long a handed-over firing waits for the agent's row before leaving it to the sweep. */
export const LOCK_TIMEOUT_MS = 3_000;
const DEFERRED_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "breakers" };

const ONE_SQL = `SELECT "id", "agentId", "name", "condition"::text AS "condition", "params", "mode"::text AS "mode", "coolDownMinutes"
  FROM "Breaker" WHERE "id" = $1 AND "enabled"`;

/** Breakers being fired here now: a second notification for one of them waits for the first to finish. */
const inFlight = new Set<string>();
let armed = false;

/** Listens for handed-over firings (idempotent; the hook calls it before it may hand one over). */
export function armDeferredFiring(): void {
  if (armed) return;
  armed = true;
  subscribe(BREAKER_FIRE_CHANNEL, (event) => {
    if (event.reason !== "notified") return;
    const key = (event.payload as { key?: unknown } | null)?.key;
    if (typeof key === "string" && key.length <= 40) void fireHandedOver(key);
  });
}

/** Queues the hand-over in the ingest transaction: delivered at commit, dropped on rollback. */
export async function handOver(tx: Tx, breakerIds: readonly string[]): Promise<void> {
  for (const key of breakerIds) await notify(tx, BREAKER_FIRE_CHANNEL, { key });
}

/** Measures one breaker again and fires it if it still crossed, in a transaction of its own. What fired. */
export async function fireBreakerNow(breakerId: string, now: Date = new Date()): Promise<FireResult | null> {
  const db = getDb();
  const breaker = [...snapshotOf(await bulkQuery(db, null, ONE_SQL, [breakerId])).byAgent.values()].flat()[0];
  if (!breaker) return null;
  const [evaluation] = await evaluateKind(db, null, breaker.condition, [breaker], now, { eligibleOnly: true });
  if (!evaluation?.measure?.crossed || !mayFire(evaluation.reading, now)) return null;
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT_MS}ms'`);
    return fireCrossings(tx, null, DEFERRED_ACTOR, [evaluation], now, { agentLock: "wait" });
  });
}

async function fireHandedOver(breakerId: string): Promise<void> {
  if (inFlight.has(breakerId)) return;
  inFlight.add(breakerId);
  try {
    await fireBreakerNow(breakerId);
  } catch (error) {
    // A lock timeout or a lost connection: the sweep fires it a few seconds later.
    console.warn(`[flightdeck] breaker ${breakerId}: handed-over firing left to the sweep:`, error instanceof Error ? error.message : error);
  } finally {
    inFlight.delete(breakerId);
  }
}
