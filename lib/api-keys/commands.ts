/** API keys: created with scopes (shown once, stored hashed), revoked, ensured from INIT_API_KEY. */
import "server-only";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import { AppError } from "@/lib/errors";
import { forgetKeys } from "./cache";
import { displayPrefix, generateApiKey, hashApiKey } from "./keys";
import type { CreateApiKeyInput } from "./schemas";

const SHOWN = { id: true, name: true, prefix: true, scopes: true, createdAt: true, expiresAt: true, revokedAt: true, agentId: true } as const;

/** Returns the key itself once; only its hash is kept. */
export const createApiKeyCommand = defineCommand("api_key.create", { user: "admin", key: "admin" }, async (tx, actor, input: CreateApiKeyInput) => {
  const secret = generateApiKey();
  const expiresAt = input.expiresInDays > 0 ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  const agent = input.agent ? await tx.agent.findUnique({ where: { name: input.agent }, select: { id: true } }) : null;
  if (input.agent && !agent) throw new AppError("bad_request:agent", `There is no agent named ${input.agent} (agents appear once they send telemetry).`);
  const key = await tx.apiKey.create({
    data: {
      name: input.name,
      prefix: displayPrefix(secret),
      hash: hashApiKey(secret),
      scopes: [...new Set(input.scopes)],
      expiresAt,
      agentId: agent?.id ?? null,
      createdById: actor.type === "USER" ? actor.id : null,
    },
    select: SHOWN,
  });
  return { result: { key, secret }, audit: { targetType: "api_key", targetId: key.id, after: key } };
});

export const revokeApiKeyCommand = defineCommand("api_key.revoke", { user: "admin", key: "admin" }, async (tx, _actor, id: string) => {
  const before = await tx.apiKey.findUnique({ where: { id }, select: SHOWN });
  if (!before) throw new AppError("not_found:api_key", "That API key does not exist.");
  if (before.revokedAt) throw new AppError("conflict:api_key", "That API key is already revoked.");
  const after = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() }, select: SHOWN });
  await forgetKeys(tx);
  return { result: after, audit: { targetType: "api_key", targetId: id, before, after } };
});

/** INIT_API_KEY: an all-scope key with exactly that value exists and is not revoked. */
export const ensureInitApiKeyCommand = defineCommand("api_key.create", { user: "admin" }, async (tx, _actor, secret: string) => {
  const hash = hashApiKey(secret);
  const existing = await tx.apiKey.findUnique({ where: { hash } });
  if (existing && !existing.revokedAt && existing.scopes.includes("admin")) return { result: undefined, audit: null };
  const after = existing
    ? await tx.apiKey.update({ where: { id: existing.id }, data: { revokedAt: null, scopes: ["admin"] }, select: SHOWN })
    : await tx.apiKey.create({
        data: { name: "INIT_API_KEY", prefix: displayPrefix(secret), hash, scopes: ["admin"] },
        select: SHOWN,
      });
  await forgetKeys(tx);
  return {
    result: undefined,
    audit: { action: existing ? "api_key.restore" : "api_key.create", targetType: "api_key", targetId: after.id, after, metadata: { source: "INIT_API_KEY" } },
  };
});

export const createApiKey = (actor: Actor, input: CreateApiKeyInput) => execute(createApiKeyCommand, actor, input);
export const revokeApiKey = (actor: Actor, id: string) => execute(revokeApiKeyCommand, actor, id);
export const ensureInitApiKey = (secret: string) => execute(ensureInitApiKeyCommand, { ...SYSTEM_ACTOR, label: "bootstrap" }, secret);
