/** API keys: created with scopes (shown once, stored hashed), revoked, ensured from INIT_API_KEY. */
import "server-only";
import { appendAudit, type Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { displayPrefix, generateApiKey, hashApiKey } from "./keys";
import type { CreateApiKeyInput } from "./schemas";

const SHOWN = { id: true, name: true, prefix: true, scopes: true, createdAt: true, expiresAt: true, revokedAt: true } as const;

/** Returns the key itself once; only its hash is kept. */
export async function createApiKey(actor: Actor, input: CreateApiKeyInput) {
  const secret = generateApiKey();
  const expiresAt = input.expiresInDays > 0 ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  const key = await db.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        name: input.name,
        prefix: displayPrefix(secret),
        hash: hashApiKey(secret),
        scopes: [...new Set(input.scopes)],
        expiresAt,
        createdById: actor.type === "USER" ? actor.id : null,
      },
      select: SHOWN,
    });
    await appendAudit(tx, { actor, action: "api_key.create", targetType: "api_key", targetId: created.id, after: created });
    return created;
  });
  return { key, secret };
}

export async function revokeApiKey(actor: Actor, id: string) {
  return db.$transaction(async (tx) => {
    const before = await tx.apiKey.findUnique({ where: { id }, select: SHOWN });
    if (!before) throw new AppError("not_found:api_key", "That API key does not exist.");
    if (before.revokedAt) throw new AppError("conflict:api_key", "That API key is already revoked.");
    const after = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() }, select: SHOWN });
    await appendAudit(tx, { actor, action: "api_key.revoke", targetType: "api_key", targetId: id, before, after });
    return after;
  });
}

/** INIT_API_KEY: an all-scope key with exactly that value exists and is not revoked. */
export async function ensureInitApiKey(secret: string) {
  const hash = hashApiKey(secret);
  await db.$transaction(async (tx) => {
    const existing = await tx.apiKey.findUnique({ where: { hash } });
    if (existing && !existing.revokedAt && existing.scopes.includes("admin")) return;
    const after = existing
      ? await tx.apiKey.update({ where: { id: existing.id }, data: { revokedAt: null, scopes: ["admin"] }, select: SHOWN })
      : await tx.apiKey.create({
          data: { name: "INIT_API_KEY", prefix: displayPrefix(secret), hash, scopes: ["admin"] },
          select: SHOWN,
        });
    await appendAudit(tx, {
      actor: { type: "SYSTEM", label: "bootstrap" },
      action: existing ? "api_key.restore" : "api_key.create",
      targetType: "api_key",
      targetId: after.id,
      after,
      metadata: { source: "INIT_API_KEY" },
    });
  });
}
