/**
 * API keys by hash, cached per instance for the agent-facing hot paths (a
 * prompt fetch is one key lookup and one prompt statement). Correct across
 * instances because every change of a key (created, revoked, restored) sends
 * a notification on `api_keys` in its transaction, and every instance empties
 * its cache on one, and on a reconnect of its listening connection (when
 * notifications may have been missed). The cache is used only while this
 * instance listens; entries also expire after a minute, and expiry dates are
 * checked on every use. Commands re-read the key themselves (lib/commands),
 * so a mutation never relies on this cache.
 */
import "server-only";
import type { Tx } from "@/lib/db";
import { notify, ready, subscribe } from "@/lib/db/notifications";

export const API_KEYS_CHANNEL = "api_keys";
const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 10_000;

export interface CachedKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  /** The agent the key was given to, if any (ApiKey.agentId's name). */
  agent: string | null;
}

const entries = new Map<string, { key: CachedKey; at: number }>();
let listening: "no" | "arming" | "yes" = "no";

function arm(): void {
  if (listening !== "no") return;
  listening = "arming";
  const unsubscribe = subscribe(API_KEYS_CHANNEL, () => entries.clear());
  ready(API_KEYS_CHANNEL).then(
    () => {
      listening = "yes";
    },
    () => {
      unsubscribe();
      entries.clear();
      listening = "no";
    },
  );
}

/** A cached key, or undefined (look it up and `rememberKey` it). */
export function cachedKey(hash: string): CachedKey | undefined {
  arm();
  const entry = entries.get(hash);
  if (!entry) return undefined;
  if (listening !== "yes" || Date.now() - entry.at > MAX_AGE_MS) {
    entries.delete(hash);
    return undefined;
  }
  return entry.key;
}

export function rememberKey(hash: string, key: CachedKey): void {
  if (listening !== "yes") return;
  if (entries.size >= MAX_ENTRIES) entries.clear();
  entries.set(hash, { key, at: Date.now() });
}

/** Drops every cached key here and, when `tx` commits, on every instance. Call it in every transaction that changes a key. */
export async function forgetKeys(tx: Tx): Promise<void> {
  entries.clear();
  await notify(tx, API_KEYS_CHANNEL, { at: Date.now() });
}

/** This instance only (tests that change a key's row behind the commands' back). */
export function forgetKeysHere(): void {
  entries.clear();
}
