import { describe, expect, it } from "vitest";
import { detectLoops, loopKey, normalizeArguments } from "./loops";

const tool = (id: string, name: string, args: unknown) => ({ id, kind: "TOOL_CALL", tool: name, arguments: args, decision: null });
const decision = (id: string, chosen: string) => ({ id, kind: "DECISION", tool: null, arguments: null, decision: { chosen } });

describe("loop detection", () => {
  it("treats key order, case and whitespace as the same arguments", () => {
    expect(normalizeArguments({ b: 2, a: "X Y" })).toBe(normalizeArguments({ a: "x y", b: 2 }));
    expect(normalizeArguments("Order  42")).toBe(normalizeArguments("order 42"));
    expect(normalizeArguments({ a: 1 })).not.toBe(normalizeArguments({ a: 2 }));
  });

  it("flags a tool repeated with the same arguments N times, not fewer", () => {
    const steps = [tool("1", "search", { q: "refund" }), tool("2", "search", { q: "Refund " }), tool("3", "search", { q: "refund" })];
    expect(detectLoops(steps, 3)).toEqual(new Set(["1", "2", "3"]));
    expect(detectLoops(steps.slice(0, 2), 3).size).toBe(0);
  });

  it("does not count the same tool with different arguments", () => {
    const steps = [tool("1", "search", { q: "a" }), tool("2", "search", { q: "b" }), tool("3", "search", { q: "c" })];
    expect(detectLoops(steps, 3).size).toBe(0);
  });

  it("flags the same decision repeated, whatever the case", () => {
    const steps = [decision("1", "retry payment"), decision("2", "Retry payment"), decision("3", "retry payment "), decision("4", "give up")];
    expect(detectLoops(steps, 3)).toEqual(new Set(["1", "2", "3"]));
  });

  it("honours the agent's threshold", () => {
    const steps = [tool("1", "t", {}), tool("2", "t", {})];
    expect(detectLoops(steps, 2).size).toBe(2);
    expect(detectLoops([...steps, tool("3", "t", {})], 4).size).toBe(0);
  });

  it("ignores LLM calls and other kinds", () => {
    expect(loopKey({ id: "x", kind: "LLM_CALL", tool: null, arguments: null, decision: null })).toBeNull();
    expect(loopKey({ id: "x", kind: "DECISION", tool: null, arguments: null, decision: { chosen: "" } })).toBeNull();
  });
});
