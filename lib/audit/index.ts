/**
 * The audit log: every mutation, by a person, an API key or the system,
 * appends one event here, inside the transaction that makes the change.
 * Appends are serialised by a transaction-scoped advisory lock, so the chain
 * stays linear with any number of concurrent writers and app instances.
 */
import type pg from "pg";
import type { Tx } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { AuditAction } from "./actions";
import { toJsonValue } from "./canonical";
import { GENESIS_HASH, findChainBreak, hashEvent, type ChainBreak, type ChainedEvent } from "./chain";

export { GENESIS_HASH, findChainBreak, hashEvent };
export type { ChainBreak, ChainedEvent };

/** Who did it. */
export type Actor =
  | { type: "USER"; id: string; label: string }
  | { type: "API_KEY"; id: string; label: string }
  | { type: "SYSTEM"; id?: null; label: string };

export const SYSTEM_ACTOR: Actor = { type: "SYSTEM", label: "system" };

export interface AuditInput {
  actor: Actor;
  /** From the catalogue (lib/audit/actions.ts): `area.verb`, e.g. `user.create`, `api_key.revoke`. */
  action: AuditAction;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  metadata?: unknown;
}

/** Arbitrary 64-bit key of the advisory lock that serialises audit appends. */
const AUDIT_LOCK_KEY = 7_316_420_551_001n;

function jsonOrNull(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  const json = toJsonValue(value);
  return json === null ? Prisma.DbNull : (json as Prisma.InputJsonValue);
}

/** The event that follows `last` (null: the first event of the log), as it is hashed and stored. */
function nextEvent(input: AuditInput, last: { seq: bigint; hash: string } | null) {
  return {
    seq: (last?.seq ?? 0n) + 1n,
    // Millisecond precision: what a timestamp(3) column stores and returns.
    occurredAt: new Date(),
    actorType: input.actor.type,
    actorId: input.actor.id ?? null,
    actorLabel: input.actor.label,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId ?? null,
    before: toJsonValue(input.before),
    after: toJsonValue(input.after),
    metadata: toJsonValue(input.metadata),
    prevHash: last?.hash ?? GENESIS_HASH,
  };
}

/**
 * Appends one event. Call it last in the transaction: the lock it takes is held
 * until commit, so everything after it in the same transaction waits with it.
 */
export async function appendAudit(tx: Tx, input: AuditInput): Promise<{ seq: bigint; hash: string }> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`;
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  const content = nextEvent(input, last);
  const hash = hashEvent(content);
  await tx.auditEvent.create({
    data: {
      ...content,
      before: jsonOrNull(content.before),
      after: jsonOrNull(content.after),
      metadata: jsonOrNull(content.metadata),
      hash,
    },
  });
  return { seq: content.seq, hash };
}

/**
 * `appendAudit` with its three statements sent on the transaction's own pg
 * connection (see `transactionWithConnection` in lib/db/index.ts), for hot paths
 * that already hold it: the same lock, the same event, the same hash. With no
 * connection it is `appendAudit(tx, input)`.
 */
export async function appendAuditOn(
  tx: Tx,
  connection: pg.PoolClient | null,
  input: AuditInput,
): Promise<{ seq: bigint; hash: string }> {
  if (!connection) return appendAudit(tx, input);
  await connection.query("SELECT pg_advisory_xact_lock($1::int8)", [AUDIT_LOCK_KEY.toString()]);
  // After the lock, in its own statement: READ COMMITTED sees the event the previous holder committed.
  const { rows } = await connection.query<{ seq: string; hash: string }>(
    `SELECT e.seq::text AS seq, e.hash FROM "AuditEvent" e ORDER BY e.seq DESC LIMIT 1`,
  );
  const last = rows[0];
  const content = nextEvent(input, last ? { seq: BigInt(last.seq), hash: last.hash } : null);
  const hash = hashEvent(content);
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  await connection.query(
    `INSERT INTO "AuditEvent" (seq, "occurredAt", "actorType", "actorId", "actorLabel", action, "targetType", "targetId",
                               before, after, metadata, "prevHash", hash)
     VALUES ($1::int8, $2::timestamp(3), $3::"ActorType", $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13)`,
    [
      content.seq.toString(),
      // UTC, as Prisma writes a DateTime (the zone suffix is ignored by a timestamp column).
      content.occurredAt.toISOString(),
      content.actorType,
      content.actorId,
      content.actorLabel,
      content.action,
      content.targetType,
      content.targetId,
      json(content.before),
      json(content.after),
      json(content.metadata),
      content.prevHash,
      hash,
    ],
  );
  return { seq: content.seq, hash };
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  lastSeq: bigint | null;
  break: ChainBreak | null;
}

/** Re-computes the whole chain in pages; stops at the first break. */
export async function verifyAuditChain(db: Tx, pageSize = 2000): Promise<VerifyResult> {
  let previous: { seq: bigint; hash: string } | null = null;
  let checked = 0;
  for (;;) {
    const rows: ChainedEvent[] = await db.auditEvent.findMany({
      where: previous ? { seq: { gt: previous.seq } } : {},
      orderBy: { seq: "asc" },
      take: pageSize,
    });
    if (rows.length === 0) break;
    const broken = findChainBreak(rows, previous);
    if (broken) {
      checked += rows.filter((r) => r.seq < broken.seq).length;
      return { ok: false, checked, lastSeq: previous?.seq ?? null, break: broken };
    }
    checked += rows.length;
    const last = rows[rows.length - 1]!;
    previous = { seq: last.seq, hash: last.hash };
  }
  return { ok: true, checked, lastSeq: previous?.seq ?? null, break: null };
}
