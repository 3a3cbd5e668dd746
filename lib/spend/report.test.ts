import { describe, expect, it } from "vitest";
import { changeOf, describeGroup, shareOf, topMovers } from "./report";

describe("share and change", () => {
  it("gives each row's share of the total, none when nothing was priced", () => {
    expect(shareOf("25.000000000", "100.000000000")).toBe(0.25);
    expect(shareOf("0", "0")).toBeNull();
    expect(shareOf("0.000000001", "0.000000003")).toBeCloseTo(1 / 3, 12);
  });

  it("computes the change exactly, and no ratio against a period that cost nothing", () => {
    expect(changeOf("15.5", "10")).toEqual({ deltaUsd: "5.500000000", ratio: 0.55 });
    expect(changeOf("0", "4")).toEqual({ deltaUsd: "-4.000000000", ratio: -1 });
    expect(changeOf("3", "0")).toEqual({ deltaUsd: "3.000000000", ratio: null });
    expect(changeOf("0.3", "0.1").deltaUsd).toBe("0.200000000");
  });
});

describe("top movers", () => {
  const rows = [
    { key: "a", costUsd: "10", previousCostUsd: "2" },
    { key: "b", costUsd: "1", previousCostUsd: "9" },
    { key: "c", costUsd: "5", previousCostUsd: "5" },
    { key: "d", costUsd: "0", previousCostUsd: "3" },
    { key: "e", costUsd: "4", previousCostUsd: "0" },
    { key: "f", costUsd: "2.000000001", previousCostUsd: "2" },
  ];

  it("lists the largest increases and decreases, leaving unchanged groups out", () => {
    const { increases, decreases } = topMovers(rows, 5);
    expect(increases.map((r) => r.key)).toEqual(["a", "e", "f"]);
    expect(decreases.map((r) => r.key)).toEqual(["b", "d"]);
    expect(increases[0]!.change).toEqual({ deltaUsd: "8.000000000", ratio: 4 });
    expect(decreases[1]!.change.ratio).toBe(-1);
  });

  it("keeps the n largest of each", () => {
    const { increases, decreases } = topMovers(rows, 1);
    expect(increases.map((r) => r.key)).toEqual(["a"]);
    expect(decreases.map((r) => r.key)).toEqual(["b"]);
  });
});

describe("group keys", () => {
  it("names days, models, agents, teams and prompt versions as the API writes them", () => {
    expect(describeGroup("day", "2026-11-01", 0, null).key).toBe("2026-11-01");
    expect(describeGroup("model", "gpt-4o", 0, null)).toMatchObject({ key: "gpt-4o", label: "gpt-4o" });
    expect(describeGroup("model", "", 0, null)).toMatchObject({ key: "", label: "No model" });
    expect(describeGroup("team", "cl123", 0, "Finance")).toMatchObject({ key: "Finance", ref: { name: "Finance", none: false } });
    expect(describeGroup("team", "", 0, null)).toMatchObject({ key: "", label: "No team", ref: { none: true } });
    expect(describeGroup("agent", "cl999", 0, null)).toMatchObject({ key: "cl999", label: "Unknown agent (cl999)" });
    expect(describeGroup("prompt", "triage", 3, null)).toMatchObject({ key: "triage@3", label: "triage v3" });
    expect(describeGroup("prompt", "triage", 0, null)).toMatchObject({ key: "triage", label: "triage (no version)" });
    expect(describeGroup("prompt", "", 0, null)).toMatchObject({ key: "", label: "No prompt" });
  });
});
