import { describe, expect, it } from "vitest";
import { DEFAULT_STATE, mergeBody, policyCreateBodySchema, policyFormInput, policyFormSchema } from "./schemas";

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  const defaults = { name: "Big payments", scope: "all", slaMinutes: "60", deadlineMinutes: "240", warnBeforeMinutes: "15", requiredApprovals: "1", deciderRole: "compliance", timeoutAction: "reject", enabled: "on" };
  for (const [k, v] of Object.entries({ ...defaults, ...fields })) data.set(k, v);
  return policyFormSchema.safeParse(policyFormInput(data));
};

describe("policy state", () => {
  it("lays an API body over the defaults: reject at the deadline (fail closed), one approval by compliance", () => {
    const parsed = mergeBody(DEFAULT_STATE, { toolPattern: "erp.pay*", argument: "amount", threshold: 10_000 });
    expect(parsed.success && parsed.data).toMatchObject({ timeoutAction: "reject", requiredApprovals: 1, deciderRole: "compliance", threshold: 10_000, enabled: true });
  });
  it("refuses what cannot hold, naming the field", () => {
    const paths = (body: Record<string, unknown>) => {
      const parsed = mergeBody(DEFAULT_STATE, body);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join("."));
    };
    expect(paths({ argument: "amount" })).toEqual(["threshold"]);
    expect(paths({ agent: "a", team: "t" })).toEqual(["team"]);
    expect(paths({ requiredApprovals: 3 })).toEqual(["requiredApprovals"]);
    expect(paths({ deciderRole: "viewer" })).toEqual(["deciderRole"]);
    expect(paths({ timeoutAction: "expire" })).toEqual(["timeoutAction"]);
    expect(paths({ slaMinutes: 120, deadlineMinutes: 60 })).toEqual(["deadlineMinutes"]);
    expect(paths({ warnBeforeMinutes: 240 })).toEqual(["warnBeforeMinutes"]);
    expect(paths({ minConfidence: 1.5 })).toEqual(["minConfidence"]);
    expect(paths({ toolPattern: "erp pay; drop" })).toEqual(["toolPattern"]);
    expect(paths({ escalationChain: [{ afterMinutes: 30 }] })).toEqual(["escalationChain.0"]);
    expect(paths({ escalationChain: [{ afterMinutes: 300, notifyRole: "admin" }] })).toEqual(["escalationChain"]);
  });
  it("sorts the chain and keeps its notifications", () => {
    const parsed = mergeBody(DEFAULT_STATE, { escalationChain: [{ afterMinutes: 90, notifyUsers: ["Boss@Example.com"] }, { afterMinutes: 30, notifyRole: "admin" }] });
    expect(parsed.success && parsed.data.escalationChain).toEqual([
      { afterMinutes: 30, notifyRole: "admin", notifyUsers: [] },
      { afterMinutes: 90, notifyRole: null, notifyUsers: ["boss@example.com"] },
    ]);
  });
  it("refuses unknown fields in the API body", () => {
    expect(policyCreateBodySchema.safeParse({ name: "x", amountOver: 5 }).success).toBe(false);
  });
});

describe("policy form", () => {
  it("reads a form into a state", () => {
    const parsed = form({ scope: "agent", agent: "payer", toolPattern: "erp.pay*", argument: "amount", threshold: "10,000", onLoop: "on" });
    expect(parsed.success && parsed.data.state).toMatchObject({ agent: "payer", team: null, threshold: 10_000, onLoop: true, onBudgetExceeded: false });
  });
  it("names the fields it refuses", () => {
    const parsed = form({ scope: "agent", threshold: "ten", escalationChain: "[{" });
    expect(parsed.success).toBe(false);
    const paths = parsed.success ? [] : parsed.error.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["threshold", "escalationChain"]));
  });
});
