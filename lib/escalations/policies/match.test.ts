import { describe, expect, it } from "vitest";
import { appliesTo, globToRegExp, matchPolicies, matchReasons, neededSignals, numericValue, riskOf, valueAt, type CallFacts, type MatchablePolicy } from "./match";
import { DEFAULT_STATE, type PolicyState } from "./schemas";

const policy = (over: Partial<PolicyState> & { name?: string } = {}): MatchablePolicy => ({ ...DEFAULT_STATE, id: `id-${over.name ?? "p"}`, name: "p", version: 1, ...over });
const facts = (over: Partial<CallFacts> = {}): CallFacts => ({
  agent: "payer",
  team: "finance-ops",
  autonomyLevel: 2,
  tool: "erp.pay",
  arguments: { amount: 12_000, currency: "EUR" },
  confidence: 0.9,
  looping: false,
  overBudget: null,
  ...over,
});

describe("tool globs", () => {
  it("matches * as any characters and everything else literally", () => {
    expect(globToRegExp("erp.pay*").test("erp.pay_invoice")).toBe(true);
    expect(globToRegExp("erp.pay*").test("erpXpay")).toBe(false);
    expect(globToRegExp("*").test("anything/at:all")).toBe(true);
    expect(globToRegExp("mail.send").test("mail.sender")).toBe(false);
    expect(globToRegExp("a(b)*").test("a(b)c")).toBe(true);
  });
});

describe("arguments", () => {
  it("reads dotted paths through objects and arrays", () => {
    const args = { payment: { amount: 5, lines: [{ total: 7 }] } };
    expect(valueAt(args, "payment.amount")).toBe(5);
    expect(valueAt(args, "payment.lines.0.total")).toBe(7);
    expect(valueAt(args, "payment.missing")).toBeUndefined();
    expect(valueAt(args, "payment.lines.x")).toBeUndefined();
    expect(valueAt({ toString: 1 }, "toString")).toBe(1);
    expect(valueAt({}, "toString")).toBeUndefined();
  });
  it("takes numbers and plainly written numeric strings only", () => {
    expect(numericValue(12)).toBe(12);
    expect(numericValue(" 12000.50 ")).toBe(12000.5);
    expect(numericValue("12,000")).toBeNull();
    expect(numericValue("1e9")).toBeNull();
    expect(numericValue(true)).toBeNull();
  });
});

describe("scope", () => {
  it("applies by agent, by team, or to everyone, and never when disabled", () => {
    expect(appliesTo(policy({ agent: "payer" }), facts())).toBe(true);
    expect(appliesTo(policy({ agent: "other" }), facts())).toBe(false);
    expect(appliesTo(policy({ team: "finance-ops" }), facts())).toBe(true);
    expect(appliesTo(policy({ team: "support" }), facts())).toBe(false);
    expect(appliesTo(policy({ toolPattern: "mail.*" }), facts())).toBe(false);
    expect(appliesTo(policy({ enabled: false }), facts())).toBe(false);
  });
});

describe("triggers", () => {
  it("catches a numeric argument above the limit, not at it", () => {
    const p = policy({ toolPattern: "erp.pay*", argument: "amount", threshold: 10_000 });
    expect(matchReasons(p, facts())).toEqual(["amount 12,000 is above 10,000"]);
    expect(matchReasons(p, facts({ arguments: { amount: 10_000 } }))).toEqual([]);
    expect(matchReasons(p, facts({ arguments: { amount: "10000.01" } }))).toHaveLength(1);
    expect(matchReasons(p, facts({ arguments: {} }))).toEqual([]);
  });
  it("fails closed on an argument that is there but not a number, and on a missing confidence", () => {
    expect(matchReasons(policy({ argument: "amount", threshold: 10 }), facts({ arguments: { amount: "lots" } }))[0]).toMatch(/not a number/);
    expect(matchReasons(policy({ minConfidence: 0.8 }), facts({ confidence: null }))[0]).toMatch(/no confidence given/);
    expect(matchReasons(policy({ minConfidence: 0.8 }), facts({ confidence: 0.55 }))).toEqual(["confidence 0.55 is below 0.8"]);
    expect(matchReasons(policy({ minConfidence: 0.8 }), facts({ confidence: 0.8 }))).toEqual([]);
  });
  it("catches looping runs, agents over budget and low autonomy (an unknown agent counts as 0)", () => {
    expect(matchReasons(policy({ onLoop: true }), facts({ looping: true }))).toEqual(["the run is flagged as looping"]);
    expect(matchReasons(policy({ onLoop: true }), facts({ looping: false }))).toEqual([]);
    expect(matchReasons(policy({ onBudgetExceeded: true }), facts({ overBudget: "the agent is over its own budget" }))).toEqual(["the agent is over its own budget"]);
    expect(matchReasons(policy({ maxAutonomyLevel: 1 }), facts({ autonomyLevel: 2 }))).toEqual([]);
    expect(matchReasons(policy({ maxAutonomyLevel: 2 }), facts({ autonomyLevel: 2 }))).toHaveLength(1);
    expect(matchReasons(policy({ maxAutonomyLevel: 0 }), facts({ autonomyLevel: null }))[0]).toMatch(/unknown/);
  });
  it("ors its triggers, and catches every call in scope when it sets none", () => {
    const p = policy({ argument: "amount", threshold: 100_000, minConfidence: 0.95 });
    expect(matchReasons(p, facts())).toEqual(["confidence 0.9 is below 0.95"]);
    expect(matchReasons(policy({ toolPattern: "erp.*" }), facts())).toEqual(["every call of erp.* needs clearance"]);
  });
});

describe("choosing among policies", () => {
  it("takes the strictest: more approvals, then an admin decider, then the shorter deadline, then the name", () => {
    const a = policy({ name: "a-one", requiredApprovals: 1 });
    const b = policy({ name: "b-two", requiredApprovals: 2 });
    const c = policy({ name: "c-admin", deciderRole: "admin" });
    const d = policy({ name: "d-quick", deadlineMinutes: 30 });
    const order = matchPolicies([a, c, d, b], facts()).map((m) => m.policy.name);
    expect(order).toEqual(["b-two", "c-admin", "d-quick", "a-one"]);
    expect(matchPolicies([policy({ agent: "nobody" })], facts())).toEqual([]);
  });
  it("asks for the loop flag and budgets only when a policy that applies needs them", () => {
    expect(neededSignals([policy({ onLoop: true, toolPattern: "mail.*" }), policy({ argument: "amount", threshold: 1 })], facts())).toEqual({ looping: false, budget: false });
    expect(neededSignals([policy({ onLoop: true }), policy({ onBudgetExceeded: true, team: "finance-ops" })], facts())).toEqual({ looping: true, budget: true });
  });
  it("rates four eyes and twice the limit as high risk", () => {
    const [m] = matchPolicies([policy({ argument: "amount", threshold: 5000 })], facts());
    expect(riskOf(m!, { amount: 12_000 })).toBe("high");
    expect(riskOf(m!, { amount: 6_000 })).toBe("medium");
    expect(riskOf({ policy: policy({ requiredApprovals: 2 }), reasons: [] }, {})).toBe("high");
  });
});
