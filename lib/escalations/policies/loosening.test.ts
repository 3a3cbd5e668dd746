import { describe, expect, it } from "vitest";
import { loosenings, needsApproval, patternCovers } from "./loosening";
import { DEFAULT_STATE, type PolicyState } from "./schemas";

const state = (over: Partial<PolicyState> = {}): PolicyState => ({ ...DEFAULT_STATE, toolPattern: "erp.pay*", argument: "amount", threshold: 10_000, ...over });

describe("which policy changes need a second person", () => {
  it("applies a new policy and tightening at once", () => {
    expect(needsApproval(null, state())).toBe(false);
    expect(loosenings(state(), state({ threshold: 5_000 }))).toEqual([]);
    expect(loosenings(state(), state({ requiredApprovals: 2 }))).toEqual([]);
    expect(loosenings(state(), state({ toolPattern: "erp.*" }))).toEqual([]);
    expect(loosenings(state(), state({ minConfidence: 0.7, onLoop: true }))).toEqual([]);
    expect(loosenings(state(), state({ slaMinutes: 240, deadlineMinutes: 480, runbook: "call finance" }))).toEqual([]);
    expect(loosenings(state({ enabled: false }), state())).toEqual([]);
    expect(loosenings(state({ team: "ops" }), state({ team: null }))).toEqual([]);
    expect(loosenings(state({ timeoutAction: "approve" }), state({ timeoutAction: "reject" }))).toEqual([]);
  });
  it("waits for approval for every loosening, saying which", () => {
    expect(loosenings(state(), null)).toEqual(["removes the policy"]);
    expect(loosenings(state(), state({ enabled: false }))).toEqual(["disables the policy"]);
    expect(loosenings(state(), state({ threshold: 50_000 }))).toEqual(["raises the threshold (10000 → 50000)"]);
    expect(loosenings(state(), state({ argument: null, threshold: null, minConfidence: 0.5 }))).toEqual(["drops or renames the amount limit"]);
    expect(loosenings(state({ requiredApprovals: 2 }), state())).toEqual(["needs fewer approvals"]);
    expect(loosenings(state(), state({ timeoutAction: "approve" }))).toEqual(["approves at the deadline"]);
    expect(loosenings(state({ timeoutAction: "approve", deadlineMinutes: 240 }), state({ timeoutAction: "approve", deadlineMinutes: 60 }))).toEqual(["approves sooner at the deadline"]);
    expect(loosenings(state(), state({ toolPattern: "erp.pay_invoice" }))).toEqual(["matches fewer tools"]);
    expect(loosenings(state(), state({ team: "ops" }))).toEqual(["narrows or moves its scope"]);
    expect(loosenings(state(), state({ deciderRole: "admin" }))).toEqual(["lets admin decide instead of compliance"]);
    expect(loosenings(state({ argument: null, threshold: null }), state())).toEqual(["no longer catches every call (adds a condition)"]);
    expect(loosenings(state({ minConfidence: 0.8 }), state({ minConfidence: 0.6 }))).toEqual(["lowers the minimum confidence"]);
    expect(loosenings(state({ onLoop: true }), state())).toEqual(["no longer catches looping runs"]);
    expect(loosenings(state({ maxAutonomyLevel: 2 }), state({ maxAutonomyLevel: 1 }))).toEqual(["catches fewer autonomy levels"]);
  });
  it("compares tool patterns by what they match", () => {
    expect(patternCovers(null, "erp.pay")).toBe(true);
    expect(patternCovers("erp.*", "erp.pay*")).toBe(true);
    expect(patternCovers("erp.pay", "erp.*")).toBe(false);
    expect(patternCovers("erp.*", null)).toBe(false);
  });
});
