import { describe, expect, it } from "vitest";
import { foldRuns } from "./run-fold";
import { stepDraft } from "@/tests/factories/step-draft";
import type { StepDraft } from "./types";

const T0 = new Date("2026-11-20T10:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const step = (overrides: Partial<StepDraft> & Pick<StepDraft, "spanId">): StepDraft =>
  stepDraft({ traceId: "t1", parentSpanId: "root", startedAt: at(1), endedAt: at(2), ...overrides });

const root = (overrides: Partial<StepDraft> = {}) => step({ spanId: "root", parentSpanId: null, name: "invoke_agent", startedAt: at(0), endedAt: at(10), ...overrides });
const only = (steps: StepDraft[]) => [...foldRuns(steps).values()][0]!;

describe("foldRuns", () => {
  it("a run without its root span is running, unnamed, bounded by its steps", () => {
    const run = only([step({ spanId: "a", startedAt: at(3), endedAt: at(4) }), step({ spanId: "b", startedAt: at(1), endedAt: at(7) })]);
    expect(run).toMatchObject({ status: "RUNNING", name: null, endedAt: null, startedAt: at(1), lastStepAt: at(7), escalated: false });
  });

  it("a run whose only step is its open root span is running, not escalated", () => {
    expect(only([root({ endedAt: null })])).toMatchObject({ status: "RUNNING", escalated: false, endedAt: null });
    expect(only([root({ endedAt: null }), step({ spanId: "a" })]).status).toBe("RUNNING");
  });

  it("the ended root span names, ends and decides the run", () => {
    expect(only([root(), step({ spanId: "a" })])).toMatchObject({ status: "SUCCEEDED", name: "invoke_agent", endedAt: at(10) });
    expect(only([root({ status: "FAILED" })]).status).toBe("FAILED");
  });

  it("the root's agent and team win over the first step's", () => {
    const run = only([step({ spanId: "a", agentName: "child-agent", teamName: "child-team" }), root({ agentName: "root-agent", teamName: "root-team" })]);
    expect(run).toMatchObject({ agentName: "root-agent", teamName: "root-team" });
  });

  it("falls back to the service name when no step names an agent", () => {
    expect(only([step({ spanId: "a", serviceName: "billing-svc" })]).agentName).toBe("billing-svc");
  });

  it("an open run whose latest step is a pending escalation is escalated; a later step brings it back to running", () => {
    const pending = step({ spanId: "e", kind: "ESCALATION", startedAt: at(5), attributes: { "flightdeck.escalation.status": "pending" } });
    expect(only([step({ spanId: "a", startedAt: at(1) }), pending])).toMatchObject({ status: "ESCALATED", escalated: true });
    expect(only([pending, step({ spanId: "b", startedAt: at(6) })])).toMatchObject({ status: "RUNNING", escalated: true });
  });

  it("a decided escalation flags the run without making it wait", () => {
    const decided = step({ spanId: "e", kind: "ESCALATION", startedAt: at(5), attributes: { "flightdeck.escalation.status": "approved" } });
    expect(only([decided])).toMatchObject({ status: "RUNNING", escalated: true });
  });

  it("an ended run is never escalated, and the root span's own flag marks it", () => {
    const pending = step({ spanId: "e", kind: "ESCALATION", startedAt: at(5), attributes: { "flightdeck.escalation.status": "pending" } });
    expect(only([root(), pending])).toMatchObject({ status: "SUCCEEDED", escalated: true });
    expect(only([root({ attributes: { "flightdeck.run.escalated": true } })]).escalated).toBe(true);
  });

  it("the last known outcome wins; unknown never overwrites", () => {
    const run = only([step({ spanId: "a", runOutcome: "SUCCESS", runOutcomeImpact: "paid" }), step({ spanId: "b", runOutcome: "UNKNOWN" })]);
    expect(run).toMatchObject({ outcome: "SUCCESS", outcomeImpact: "paid" });
  });

  it("one entry per trace", () => {
    const runs = foldRuns([step({ spanId: "a", traceId: "t1" }), step({ spanId: "b", traceId: "t2" }), step({ spanId: "c", traceId: "t1" })]);
    expect([...runs.keys()]).toEqual(["t1", "t2"]);
  });
});
