import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/db";
import { PrismaClient } from "@/lib/generated/prisma/client";
import type { AuditAction } from "./actions";
import { appendAudit, SYSTEM_ACTOR, verifyAuditChain } from "./index";

const url = inject("databaseUrl");
// Separate clients with their own pools stand in for separate app instances.
const instances = Array.from({ length: 3 }, () => new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 4 }) }));

afterAll(async () => {
  await Promise.all(instances.map((c) => c.$disconnect()));
});

async function tamper(sql: string, params: unknown[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER fd_audit_event_append_only');
    await client.query(sql, params);
    await client.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER fd_audit_event_append_only');
  } finally {
    await client.end();
  }
}

describe("audit log", () => {
  it("stays one valid chain with no gaps under concurrent writers on several instances", async () => {
    const writes = Array.from({ length: 90 }, (_, i) =>
      instances[i % instances.length]!.$transaction(async (tx) => {
        await appendAudit(tx, { actor: SYSTEM_ACTOR, action: "test.concurrent" as AuditAction, targetType: "test", targetId: String(i), after: { i } });
      }),
    );
    await Promise.all(writes);
    const result = await verifyAuditChain(db, 17);
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThanOrEqual(90);
    const count = await db.auditEvent.count();
    expect(BigInt(count)).toBe(result.lastSeq);
  });

  it("is written with the change or not at all", async () => {
    const before = await db.auditEvent.count();
    await expect(
      db.$transaction(async (tx) => {
        await appendAudit(tx, { actor: SYSTEM_ACTOR, action: "test.rolled_back" as AuditAction, targetType: "test" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db.auditEvent.count()).toBe(before);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it("refuses updates and deletes through the database", async () => {
    await expect(db.$executeRawUnsafe('UPDATE "AuditEvent" SET "actorLabel" = \'x\' WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe('DELETE FROM "AuditEvent" WHERE seq = 1')).rejects.toThrow(/append-only/);
  });

  it("shows where a tampered row breaks the chain, and recovers when it is restored", async () => {
    const row = await db.auditEvent.findUniqueOrThrow({ where: { seq: 5n } });
    await tamper(`UPDATE "AuditEvent" SET "after" = '{"i": 12345}'::jsonb WHERE seq = 5`, []);
    const broken = await verifyAuditChain(db);
    expect(broken.ok).toBe(false);
    expect(broken.break).toMatchObject({ seq: 5n, reason: "hash_mismatch" });
    expect(broken.checked).toBe(4);

    await tamper(`UPDATE "AuditEvent" SET "after" = $1::jsonb WHERE seq = 5`, [JSON.stringify(row.after)]);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it("detects a deleted row", async () => {
    const row = await db.auditEvent.findUniqueOrThrow({ where: { seq: 7n } });
    await tamper(`DELETE FROM "AuditEvent" WHERE seq = 7`, []);
    expect((await verifyAuditChain(db)).break).toMatchObject({ seq: 7n, reason: "sequence_gap" });
    await tamper(
      `INSERT INTO "AuditEvent" (seq, "occurredAt", "actorType", "actorId", "actorLabel", action, "targetType", "targetId", before, after, metadata, "prevHash", hash)
       VALUES ($1, $2::timestamptz AT TIME ZONE 'UTC', $3::"ActorType", $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13)`,
      [row.seq.toString(), row.occurredAt.toISOString(), row.actorType, row.actorId, row.actorLabel, row.action, row.targetType, row.targetId,
        row.before === null ? null : JSON.stringify(row.before), row.after === null ? null : JSON.stringify(row.after),
        row.metadata === null ? null : JSON.stringify(row.metadata), row.prevHash, row.hash],
    );
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});
