/** Resolves `Authorization: Bearer <key>` to an API key, or throws 401/403. */
import "server-only";
import type { Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { keyHasScope, type ApiKeyScope } from "@/lib/rbac";
import { bearerToken, hashApiKey } from "./keys";

export interface ApiKeyCaller {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
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
  const key = await db.apiKey.findUnique({
    where: { hash: hashApiKey(token) },
    select: { id: true, name: true, prefix: true, scopes: true, revokedAt: true, expiresAt: true, lastUsedAt: true },
  });
  const now = new Date();
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now)) {
    throw new AppError("unauthorized:api_key", "The API key is not valid (unknown, revoked or expired).");
  }
  if (scope !== null && !keyHasScope(key.scopes, scope)) {
    throw new AppError("forbidden:api_key", `This API key lacks the \`${scope}\` scope.`);
  }
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // Bookkeeping, not a mutation of what the key may do: no audit event, and never fails the request.
    db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } }).catch((error: unknown) => {
      console.warn("[flightdeck] could not record API key use", error);
    });
  }
  return { id: key.id, name: key.name, prefix: key.prefix, scopes: key.scopes, actor: { type: "API_KEY", id: key.id, label: key.name } };
}
