import { describe, expect, it } from "vitest";
import { canonicalJson, toJsonValue } from "./canonical";
import { GENESIS_HASH, findChainBreak, hashEvent, type ChainedEvent } from "./chain";

function chain(n: number): ChainedEvent[] {
  const rows: ChainedEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const content = {
      seq: BigInt(i),
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      actorType: "USER",
      actorId: "u1",
      actorLabel: "a@b.c",
      action: "thing.update",
      targetType: "thing",
      targetId: `t${i}`,
      before: { n: i - 1 },
      after: { n: i, nested: { b: 2, a: 1 } },
      metadata: null,
      prevHash: prev,
    };
    const hash = hashEvent(content);
    rows.push({ ...content, hash });
    prev = hash;
  }
  return rows;
}

describe("canonical JSON", () => {
  it("sorts keys at every depth, so JSONB's reordering does not change the hash", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it("turns dates, bigints and undefined into what a JSONB round trip gives back", () => {
    expect(toJsonValue({ d: new Date("2026-01-02T03:04:05.678Z"), n: 12n, u: undefined, s: "a\u0000b" })).toEqual({
      d: "2026-01-02T03:04:05.678Z",
      n: "12",
      s: "ab",
    });
  });
});

describe("audit hash chain", () => {
  it("accepts an untouched chain, also when checked in pages", () => {
    const rows = chain(10);
    expect(findChainBreak(rows, null)).toBeNull();
    expect(findChainBreak(rows.slice(5), { seq: 5n, hash: rows[4]!.hash })).toBeNull();
  });

  it("finds an edited row", () => {
    const rows = chain(5);
    rows[2] = { ...rows[2]!, after: { n: 999 } };
    expect(findChainBreak(rows, null)).toMatchObject({ seq: 3n, reason: "hash_mismatch" });
  });

  it("finds a deleted row", () => {
    const rows = chain(5);
    rows.splice(1, 1);
    expect(findChainBreak(rows, null)).toMatchObject({ seq: 2n, reason: "sequence_gap" });
  });

  it("finds a row whose hash was recomputed to hide an edit", () => {
    const rows = chain(5);
    const forged = { ...rows[1]!, actorLabel: "someone-else" };
    forged.hash = hashEvent(forged);
    rows[1] = forged;
    expect(findChainBreak(rows, null)).toMatchObject({ seq: 3n, reason: "prev_hash_mismatch" });
  });
});
