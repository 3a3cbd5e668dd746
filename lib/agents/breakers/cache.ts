/**
 * The enabled breakers, cached per instance, for the ingestion hook: which
 * agents have which conditions, with their parameters already validated, so a
 * batch whose agents have no breaker, or whose content cannot move any of
 * their conditions, costs no statement at all.
 *
 * Correct across instances like the API key cache (lib/api-keys/cache.ts):
 * every command that changes a breaker's configuration (create, update,
 * enable, delete) notifies `breakers` in its transaction, and every instance
 * drops its copy on one, and on a reconnect of its listening connection (when
 * notifications may have been missed). The copy is used only while this
 * instance listens, and is reloaded after a minute anyway. A load that raced
 * an invalidation is not kept (generation counter). Only configuration is
 * cached: state, window start and cool-down are read fresh from the Breaker
 * rows by the statements that evaluate them.
 */
import type { Tx } from "@/lib/db";
import { bulkQuery, type Connection } from "@/lib/db/bulk";
import { notify, ready, subscribe } from "@/lib/db/notifications";
import { ruleOf, type BreakerConditionName, type BreakerModeName, type BreakerRule } from "./schemas";

export const BREAKERS_CHANNEL = "breakers";
const MAX_AGE_MS = 60_000;

export type CachedBreaker = {
  id: string;
  agentId: string;
  name: string;
  mode: BreakerModeName;
  coolDownMinutes: number;
} & BreakerRule;

export interface BreakerSnapshot {
  byAgent: Map<string, CachedBreaker[]>;
  /** Conditions at least one enabled breaker has. */
  conditions: Set<BreakerConditionName>;
  size: number;
}

let snapshot: { value: BreakerSnapshot; at: number } | null = null;
let generation = 0;
let listening: "no" | "arming" | "yes" = "no";

function arm(): void {
  if (listening !== "no") return;
  listening = "arming";
  const unsubscribe = subscribe(BREAKERS_CHANNEL, () => {
    generation++;
    snapshot = null;
  });
  ready(BREAKERS_CHANNEL).then(
    () => {
      listening = "yes";
    },
    () => {
      unsubscribe();
      snapshot = null;
      listening = "no";
    },
  );
}

interface Row {
  id: string;
  agentId: string;
  name: string;
  condition: string;
  params: unknown;
  mode: BreakerModeName;
  coolDownMinutes: number;
}

export function snapshotOf(rows: readonly Row[]): BreakerSnapshot {
  const byAgent = new Map<string, CachedBreaker[]>();
  const conditions = new Set<BreakerConditionName>();
  let size = 0;
  for (const row of rows) {
    // A row whose params do not fit its condition (written by hand) is never evaluated.
    const rule = ruleOf(row.condition, row.params);
    if (!rule) continue;
    const breaker = { id: row.id, agentId: row.agentId, name: row.name, mode: row.mode, coolDownMinutes: row.coolDownMinutes, ...rule } as CachedBreaker;
    const list = byAgent.get(row.agentId);
    if (list) list.push(breaker);
    else byAgent.set(row.agentId, [breaker]);
    conditions.add(rule.condition);
    size++;
  }
  return { byAgent, conditions, size };
}

const LOAD_SQL = `SELECT "id", "agentId", "name", "condition"::text AS "condition", "params", "mode"::text AS "mode", "coolDownMinutes"
  FROM "Breaker" WHERE "enabled" ORDER BY "agentId", "id"`;

/** The enabled breakers: this instance's copy, or one statement on the caller's transaction. */
export async function enabledBreakers(tx: Tx, connection: Connection): Promise<BreakerSnapshot> {
  arm();
  if (snapshot && listening === "yes" && Date.now() - snapshot.at <= MAX_AGE_MS) return snapshot.value;
  const started = generation;
  const value = snapshotOf(await bulkQuery<Row>(tx, connection, LOAD_SQL, []));
  if (listening === "yes" && started === generation) snapshot = { value, at: Date.now() };
  return value;
}

/** Drops this instance's copy now and, when `tx` commits, every instance's. Call it in every transaction that changes a breaker's configuration. */
export async function forgetBreakers(tx: Tx): Promise<void> {
  generation++;
  snapshot = null;
  await notify(tx, BREAKERS_CHANNEL, { at: Date.now() });
}

/** This instance only (tests that write Breaker rows behind the commands' back). */
export function forgetBreakersHere(): void {
  generation++;
  snapshot = null;
}
