import { describe, expect, it } from "vitest";
import { argumentsHash } from "./hash";
import { linkCall, mismatchOf } from "./ingest-hook";

const T = new Date("2026-05-01T10:00:00Z");
const escalation = (over: Partial<Parameters<typeof linkCall>[1][number]> = {}) => ({
  id: "cesc000000000000000000001",
  traceId: "t1",
  tool: "erp.pay",
  status: "APPROVED",
  approvedArgumentsHash: argumentsHash({ amount: 9000, iban: "DE1" }),
  executedSpanId: null,
  runId: null,
  createdAt: T,
  ...over,
});
const call = (over: Record<string, unknown> = {}) => ({ traceId: "t1", spanId: "s1", tool: "erp.pay", startedAt: new Date(T.getTime() + 5000), attributes: {}, arguments: { iban: "DE1", amount: 9000 }, ...over }) as Parameters<typeof linkCall>[0] & Parameters<typeof mismatchOf>[1];

describe("linking a tool call to its clearance", () => {
  it("by the escalation id attribute, else the latest escalation of its trace and tool asked before it", () => {
    const older = escalation({ id: "cold00000000000000000000001", createdAt: new Date(T.getTime() - 60_000) });
    const newer = escalation();
    const later = escalation({ id: "clater000000000000000000001", createdAt: new Date(T.getTime() + 3_600_000) });
    expect(linkCall(call(), [older, newer, later])?.id).toBe(newer.id);
    expect(linkCall(call({ attributes: { "flightdeck.escalation.id": older.id } }), [older, newer])?.id).toBe(older.id);
    expect(linkCall(call({ tool: "mail.send" }), [newer])).toBeNull();
    expect(linkCall(call({ traceId: "t2" }), [newer])).toBeNull();
  });
});

describe("approved means exactly this", () => {
  it("accepts the approved arguments in any key order, once", () => {
    expect(mismatchOf(escalation(), call())).toBeNull();
    expect(mismatchOf(escalation({ executedSpanId: "s1" }), call())).toBeNull();
    expect(mismatchOf(escalation({ executedSpanId: "s0" }), call())).toBe("executed a second time");
  });
  it("flags other arguments, and executing what was not cleared", () => {
    expect(mismatchOf(escalation(), call({ arguments: { iban: "DE1", amount: 12000 } }))).toBe("executed with other arguments than approved");
    expect(mismatchOf(escalation({ status: "REJECTED" }), call())).toMatch(/rejected/);
    expect(mismatchOf(escalation({ status: "PENDING", approvedArgumentsHash: null }), call())).toMatch(/before anyone decided/);
    expect(mismatchOf(escalation({ status: "EXPIRED" }), call())).toMatch(/expired/);
  });
});
