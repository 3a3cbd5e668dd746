/**
 * A float of 17 significant digits in an audit event (a breaker's measured minutes, 143.68306666666666)
 * came back from its JSONB column as 143.6830666666667: the hash had been computed over the first, so the
 * chain read the event as changed after it was written. Hashed and stored values must be the same.
 */
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR, appendAudit, verifyAuditChain } from "@/lib/audit";
import { db } from "@/lib/db";

describe("audit events with long floats", () => {
  it("verify after the JSONB round trip", async () => {
    await db.$transaction((tx) =>
      appendAudit(tx, { actor: SYSTEM_ACTOR, action: "breaker.would_trip", targetType: "breaker", targetId: "float-test", after: { value: 143.68306666666666, nested: [0.1 + 0.2, 2 / 3] } }),
    );
    const result = await verifyAuditChain(db);
    expect(result.break).toBeNull();
    expect(result.ok).toBe(true);
  });
});
