import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { ready, waitFor } from "@/lib/db/notifications";
import { AppError } from "@/lib/errors";
import { authenticateApiKey } from "./authenticate";
import { API_KEYS_CHANNEL } from "./cache";
import { hashApiKey } from "./keys";
import { createApiKey, ensureInitApiKey, revokeApiKey } from "./commands";

const unique = () => Math.random().toString(36).slice(2, 10);
const bearer = (secret: string) => `Bearer ${secret}`;

async function lastSeq(): Promise<bigint> {
  return (await db.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } }))?.seq ?? 0n;
}
function eventsAfter(seq: bigint) {
  return db.auditEvent.findMany({ where: { seq: { gt: seq } }, orderBy: { seq: "asc" } });
}
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function adminActor(): Promise<Actor> {
  const user = await db.user.create({ data: { email: `keys-${unique()}@example.com`, role: "ADMIN" } });
  return { type: "USER", id: user.id, label: user.email };
}

describe("API keys", () => {
  it("creates a key shown once, stored only as a hash, with one audit event that holds no secret", async () => {
    const actor = await adminActor();
    const seq = await lastSeq();
    const { key, secret } = await createApiKey(actor, { name: "invoice-agent", scopes: ["ingest", "prompts:read", "ingest"], expiresInDays: 0 });
    expect(secret).toMatch(/^fd_[0-9A-Za-z]{32}$/);
    expect(key).toMatchObject({ name: "invoice-agent", prefix: secret.slice(0, 9), scopes: ["ingest", "prompts:read"], expiresAt: null, revokedAt: null });

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.hash).toBe(hashApiKey(secret));
    expect(row.createdById).toBe(actor.id);
    expect(JSON.stringify(row)).not.toContain(secret);

    const events = await eventsAfter(seq);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "api_key.create", targetType: "api_key", targetId: key.id, actorId: actor.id, before: null });
    expect(events[0]!.after).toMatchObject({ name: "invoice-agent", prefix: key.prefix, scopes: ["ingest", "prompts:read"] });
    const eventJson = JSON.stringify([events[0]!.before, events[0]!.after, events[0]!.metadata]);
    expect(eventJson).not.toContain(secret);
    expect(eventJson).not.toContain(row.hash);
  });

  it("authenticates a valid key with its scope, and records when it was last used", async () => {
    const { key, secret } = await createApiKey(SYSTEM_ACTOR, { name: "reader", scopes: ["runs:read"], expiresInDays: 30 });
    const caller = await authenticateApiKey(bearer(secret), "runs:read");
    expect(caller).toMatchObject({ id: key.id, name: "reader", prefix: key.prefix, scopes: ["runs:read"], actor: { type: "API_KEY", id: key.id, label: "reader" } });
    await expect(authenticateApiKey(bearer(secret), null)).resolves.toMatchObject({ id: key.id });
    await expect.poll(async () => (await db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt).not.toBeNull();
  });

  it("answers 401 for a missing, malformed or unknown key", async () => {
    for (const header of [null, "", "Basic abc", "Bearer", `Bearer fd_${"x".repeat(32)}`]) {
      const error = await rejection(authenticateApiKey(header, "ingest"));
      expect(error.code).toBe("unauthorized:api_key");
      expect(error.status).toBe(401);
    }
  });

  it("answers 403 for a key lacking the scope; admin implies every scope", async () => {
    const { secret } = await createApiKey(SYSTEM_ACTOR, { name: "ingest-only", scopes: ["ingest"], expiresInDays: 0 });
    const error = await rejection(authenticateApiKey(bearer(secret), "budgets:check"));
    expect(error.code).toBe("forbidden:api_key");
    expect(error.status).toBe(403);
    expect(error.message).toContain("budgets:check");

    const { secret: admin } = await createApiKey(SYSTEM_ACTOR, { name: "all", scopes: ["admin"], expiresInDays: 0 });
    for (const scope of ["ingest", "budgets:check", "escalations:decide", "agents:control"] as const) {
      await expect(authenticateApiKey(bearer(admin), scope)).resolves.toMatchObject({ scopes: ["admin"] });
    }
  });

  it("refuses an expired key, even one this instance has cached", async () => {
    await ready(API_KEYS_CHANNEL);
    const { key, secret } = await createApiKey(SYSTEM_ACTOR, { name: "short-lived", scopes: ["ingest"], expiresInDays: 1 });
    await expect(authenticateApiKey(bearer(secret), "ingest")).resolves.toMatchObject({ id: key.id });
    await expect(authenticateApiKey(bearer(secret), "ingest")).resolves.toMatchObject({ id: key.id });
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 2 * 86_400_000 });
    try {
      expect((await rejection(authenticateApiKey(bearer(secret), "ingest"))).code).toBe("unauthorized:api_key");
    } finally {
      vi.useRealTimers();
    }
  });

  it("drops a cached key when another instance revokes it (a notification on api_keys)", async () => {
    await ready(API_KEYS_CHANNEL);
    const { key, secret } = await createApiKey(SYSTEM_ACTOR, { name: "revoked elsewhere", scopes: ["ingest"], expiresInDays: 0 });
    await authenticateApiKey(bearer(secret), "ingest");
    await expect(authenticateApiKey(bearer(secret), "ingest")).resolves.toMatchObject({ id: key.id });
    // What another instance's revoke commits: the row change and the notification, on its own connection.
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      const heard = waitFor(API_KEYS_CHANNEL, "elsewhere", { timeoutMs: 5_000 });
      await other.query(`UPDATE "ApiKey" SET "revokedAt" = now() WHERE "id" = $1`, [key.id]);
      await other.query(`SELECT pg_notify('api_keys', '{"key":"elsewhere"}')`);
      expect((await heard).reason).toBe("notified");
    } finally {
      await other.end();
    }
    expect((await rejection(authenticateApiKey(bearer(secret), "ingest"))).code).toBe("unauthorized:api_key");
  });

  it("revokes a key with one audit event holding before and after; the key then gets 401", async () => {
    const actor = await adminActor();
    const { key, secret } = await createApiKey(actor, { name: "to-revoke", scopes: ["ingest"], expiresInDays: 0 });
    const seq = await lastSeq();
    const revoked = await revokeApiKey(actor, key.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    const events = await eventsAfter(seq);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "api_key.revoke", targetId: key.id, actorId: actor.id });
    expect(events[0]!.before).toMatchObject({ revokedAt: null });
    expect(events[0]!.after).toMatchObject({ revokedAt: revoked.revokedAt!.toISOString() });
    expect((await rejection(authenticateApiKey(bearer(secret), "ingest"))).code).toBe("unauthorized:api_key");

    const seq2 = await lastSeq();
    expect((await rejection(revokeApiKey(actor, key.id))).code).toBe("conflict:api_key");
    expect((await rejection(revokeApiKey(actor, "no-such-key"))).code).toBe("not_found:api_key");
    expect(await eventsAfter(seq2)).toHaveLength(0);
  });

  it("INIT_API_KEY: ensures an all-scope key with exactly that value, idempotently, restoring it when revoked", async () => {
    const secret = `fd_init_${unique()}_${unique()}_${unique()}`;
    const seq = await lastSeq();
    await ensureInitApiKey(secret);
    await ensureInitApiKey(secret);
    expect(await db.apiKey.count({ where: { hash: hashApiKey(secret) } })).toBe(1);
    const created = await eventsAfter(seq);
    expect(created.map((e) => e.action)).toEqual(["api_key.create"]);
    expect(created[0]).toMatchObject({ actorType: "SYSTEM", actorLabel: "bootstrap", metadata: { source: "INIT_API_KEY" } });
    const caller = await authenticateApiKey(bearer(secret), "escalations:decide");
    expect(caller.scopes).toEqual(["admin"]);

    await revokeApiKey(SYSTEM_ACTOR, caller.id);
    expect((await rejection(authenticateApiKey(bearer(secret), "ingest"))).code).toBe("unauthorized:api_key");
    const seq2 = await lastSeq();
    await ensureInitApiKey(secret);
    const restored = await eventsAfter(seq2);
    expect(restored).toHaveLength(1);
    expect(restored[0]).toMatchObject({ action: "api_key.restore", targetId: caller.id, after: expect.objectContaining({ revokedAt: null }) });
    await expect(authenticateApiKey(bearer(secret), "ingest")).resolves.toMatchObject({ id: caller.id });
    expect(await db.apiKey.count({ where: { hash: hashApiKey(secret) } })).toBe(1);
  });
});
