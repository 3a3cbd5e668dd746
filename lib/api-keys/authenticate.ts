/** Resolves `Authorization: Bearer <key>` to an API key, or throws 401/403. */
import "server-only";
import type { Actor } from "@/lib/audit";
import { db, readQuery } from "@/lib/db";
import { cachedKey, rememberKey, type CachedKey } from "./cache";
import { AppError } from "@/lib/errors";
import { keyHasScope, type ApiKeyScope } from "@/lib/rbac";
import { bearerToken, hashApiKey } from "./keys";

export interface ApiKeyCaller {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  /** The agent the key was given to: it acts for that agent only (lib/agents/gate.ts). */
  agent: string | null;
  actor: Actor;
}

/** lastUsedAt is written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** `scope: null` accepts any valid key (e.g. whoami); the handler checks finer scopes itself. */
export async function authenticateApiKey(authorization: string | null, scope: ApiKeyScope | null): Promise<ApiKeyCaller> {
  const token = bearerToken(authorization);
  if (!token) {
    throw new AppError("unauthorized:api_key", "Send an API key as `Authorization: Bearer <key>`.");
  }
  const key = await findKey(hashApiKey(token));
  const now = new Date();
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) {
    throw new AppError("unauthorized:api_key", "The API key is not valid (unknown, revoked or expired).");
  }
  if (scope !== null && !keyHasScope(key.scopes, scope)) {
    throw new AppError("forbidden:api_key", `This API key lacks the \`${scope}\` scope.`);
  }
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    key.lastUsedAt = now; // the cached row too, so the next minute's requests do not write again
    // Bookkeeping, not a mutation of what the key may do: no audit event, and never fails the request.
    db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } }).catch((error: unknown) => {
      console.warn("[flightdeck] could not record API key use", error);
    });
  }
  return { id: key.id, name: key.name, prefix: key.prefix, scopes: key.scopes, agent: key.agent, actor: { type: "API_KEY", id: key.id, label: key.name } };
}

const BY_HASH = `
  SELECT "id", "name", "prefix", "scopes", (SELECT a."name" FROM "Agent" a WHERE a."id" = "ApiKey"."agentId") AS "agent",
         ("revokedAt" AT TIME ZONE 'UTC') AS "revokedAt", ("expiresAt" AT TIME ZONE 'UTC') AS "expiresAt", ("lastUsedAt" AT TIME ZONE 'UTC') AS "lastUsedAt"
  FROM "ApiKey" WHERE "hash" = $1`;

/** The key with this hash: from this instance's cache (lib/api-keys/cache.ts) or one plain-pg statement. */
async function findKey(hash: string): Promise<CachedKey | null> {
  const cached = cachedKey(hash);
  if (cached) return cached;
  const [row] = await readQuery<CachedKey>(BY_HASH, [hash]);
  if (!row) return null;
  rememberKey(hash, row);
  return row;
}
