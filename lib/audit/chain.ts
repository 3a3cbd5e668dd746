/**
 * The hash chain of the audit log, pure functions only: how a row's hash is
 * computed from its content and the previous hash, and how a sequence of rows
 * is checked. Shared by the writer (lib/audit) and every verifier.
 */
import { createHash } from "node:crypto";
import { canonicalJson, toJsonValue, type JsonValue } from "./canonical";

export const GENESIS_HASH = "0".repeat(64);

export interface ChainedEvent {
  seq: bigint;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  metadata: unknown;
  prevHash: string;
  hash: string;
}

export type EventContent = Omit<ChainedEvent, "hash">;

export function hashEvent(event: EventContent): string {
  const content: JsonValue = {
    seq: event.seq.toString(),
    occurredAt: event.occurredAt.toISOString(),
    actorType: event.actorType,
    actorId: event.actorId,
    actorLabel: event.actorLabel,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    before: toJsonValue(event.before),
    after: toJsonValue(event.after),
    metadata: toJsonValue(event.metadata),
    prevHash: event.prevHash,
  };
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

export type ChainBreak = {
  seq: bigint;
  reason: "hash_mismatch" | "prev_hash_mismatch" | "sequence_gap";
  message: string;
};

/**
 * Checks rows in `seq` order, continuing from `previous` (the last row already
 * checked, or null at the start of the log). Returns the first break, if any.
 */
export function findChainBreak(
  rows: readonly ChainedEvent[],
  previous: { seq: bigint; hash: string } | null,
): ChainBreak | null {
  let expectedSeq = previous ? previous.seq + 1n : 1n;
  let expectedPrev = previous ? previous.hash : GENESIS_HASH;
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      return { seq: expectedSeq, reason: "sequence_gap", message: `Event #${expectedSeq} is missing (next is #${row.seq}).` };
    }
    if (row.prevHash !== expectedPrev) {
      return { seq: row.seq, reason: "prev_hash_mismatch", message: `Event #${row.seq} does not link to the event before it.` };
    }
    if (hashEvent(row) !== row.hash) {
      return { seq: row.seq, reason: "hash_mismatch", message: `Event #${row.seq} was changed after it was written.` };
    }
    expectedSeq = row.seq + 1n;
    expectedPrev = row.hash;
  }
  return null;
}
