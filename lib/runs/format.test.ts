import { describe, expect, it } from "vitest";
import { formatCost, runTitle } from "./format";

describe("run formatting", () => {
  it("names a run by its root span, or says whose run is still going", () => {
    expect(runTitle({ name: "invoke_agent invoice-reconciler", agent: "invoice-reconciler" })).toBe("invoke_agent invoice-reconciler");
    expect(runTitle({ name: null, agent: "kpi-monitor" })).toBe("kpi-monitor run (root span not received yet)");
    expect(runTitle({ name: null, agent: null })).toBe("Unknown agent run (root span not received yet)");
  });

  it("never shows an unpriced cost as $0", () => {
    expect(formatCost(0, 2)).not.toBe("$0.00");
    expect(formatCost(0, 2)).toContain("unpriced");
  });
});
