import { describe, expect, it } from "vitest";
import { buildTimeline, causalChain, type TimelineSource } from "./timeline";

const t0 = Date.parse("2026-03-01T12:00:00Z");
function step(id: string, at: number, extra: Partial<TimelineSource> = {}): TimelineSource {
  return {
    id, spanId: `s${id}`, parentSpanId: null, kind: "OTHER", name: id, failed: false,
    startedAt: new Date(t0 + at), endedAt: new Date(t0 + at + 100), tool: null, model: null, flagLoop: false, escalated: false, ...extra,
  };
}

describe("timeline", () => {
  it("nests children under their parent, siblings by start time, with offsets from the first step", () => {
    const tl = buildTimeline([
      step("child2", 300, { parentSpanId: "sroot" }),
      step("root", 0, { endedAt: new Date(t0 + 1000) }),
      step("child1", 100, { parentSpanId: "sroot" }),
      step("grandchild", 150, { parentSpanId: "schild1" }),
      step("orphan", 50, { parentSpanId: "smissing" }),
    ]);
    expect(tl.items.map((i) => [i.name, i.depth])).toEqual([
      ["root", 0], ["child1", 1], ["grandchild", 2], ["child2", 1], ["orphan", 0],
    ]);
    expect(tl.items[0]!.offset).toBe(0);
    expect(tl.items[1]!.offset).toBe(100);
    expect(tl.span).toBe(1000);
    expect(tl.items[2]!.parent).toBe(1);
  });

  it("marks the steps the agent took after a failed tool call, skipping the call's own children", () => {
    const tl = buildTimeline([
      step("plan", 0, { kind: "LLM_CALL" }),
      step("charge", 100, { kind: "TOOL_CALL", failed: true }),
      step("http", 110, { parentSpanId: "scharge" }),
      step("rethink", 300, { kind: "LLM_CALL" }),
      step("decide", 400, { kind: "DECISION" }),
      step("later", 500),
    ]);
    const byName = new Map(tl.items.map((it, i) => [it.name, i]));
    expect(tl.failures).toEqual([byName.get("charge")]);
    const after = tl.items.filter((i) => i.afterFailure === byName.get("charge")).map((i) => i.name);
    expect(after).toEqual(["rethink", "decide"]);
  });

  it("follows the causal chain: ancestors, then the steps just before", () => {
    const tl = buildTimeline([
      step("agent", 0, { endedAt: new Date(t0 + 900) }),
      step("lookup", 100, { parentSpanId: "sagent", kind: "TOOL_CALL" }),
      step("think", 200, { parentSpanId: "sagent", kind: "LLM_CALL" }),
      step("decide", 300, { parentSpanId: "sagent", kind: "DECISION" }),
    ]);
    const idx = (n: string) => tl.items.findIndex((i) => i.name === n);
    const chain = causalChain(tl.items, idx("decide"));
    expect(chain.ancestors).toEqual([idx("agent")]);
    expect(chain.preceding).toEqual([idx("think"), idx("lookup")]);
  });

  it("survives parent cycles and a 5,000-step chain without recursion", () => {
    const cyc = buildTimeline([step("a", 0, { parentSpanId: "sb" }), step("b", 10, { parentSpanId: "sa" })]);
    expect(cyc.items.map((i) => i.name).sort()).toEqual(["a", "b"]);
    const chain = Array.from({ length: 5000 }, (_, i) => step(String(i), i, { parentSpanId: i ? `s${i - 1}` : null }));
    const tl = buildTimeline(chain);
    expect(tl.items).toHaveLength(5000);
    expect(tl.items[4999]!.depth).toBe(4999);
  });
});
