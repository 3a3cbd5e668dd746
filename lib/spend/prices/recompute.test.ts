import { describe, expect, it } from "vitest";
import {
  allocateToRollup,
  isTransientDatabaseError,
  modelMatcher,
  monthlyDeltas,
  nanoToUsd,
  patternSegments,
  type RepricedCall,
  type UnpricedCell,
} from "./recompute";

const cell = (over: Partial<UnpricedCell> = {}): UnpricedCell => ({
  day: "2025-03-02",
  teamId: "t1",
  agentId: "a1",
  model: "acme-large",
  promptName: "",
  promptVersion: 0,
  unpricedCalls: 1,
  ...over,
});

const call = (costNano: bigint, over: Partial<RepricedCall> = {}): RepricedCall => {
  const { unpricedCalls: _, ...key } = cell();
  return { ...key, costNano, ...over };
};

describe("which calls a re-pricing covers", () => {
  it("matches as the price table does: exact names with provider prefixes and date suffixes, globs case-insensitively", () => {
    const exact = modelMatcher("acme-large");
    expect(exact("acme-large")).toBe(true);
    expect(exact("ACME-Large")).toBe(true);
    expect(exact("vendor/acme-large")).toBe(true);
    expect(exact("acme-large-2025-03-01")).toBe(true);
    expect(exact("acme-large-v2")).toBe(false);
    expect(exact(null)).toBe(false);
    const glob = modelMatcher("acme-*-mini");
    expect(glob("acme-7b-mini")).toBe(true);
    expect(glob("acme-mini")).toBe(false);
    const all = modelMatcher(null);
    expect(all(null)).toBe(true);
    expect(all("anything")).toBe(true);
  });

  it("narrows candidates in SQL by the pattern's literal parts, each a substring of every model the pattern matches", () => {
    expect(patternSegments(null)).toEqual([]);
    expect(patternSegments("Acme-*-Mini*")).toEqual(["acme-", "-mini"]);
    expect(patternSegments("gpt-4o")).toEqual(["gpt-4o"]);
    for (const model of ["vendor/acme-7b-mini-2025-01-01", "us.anthropic.acme-7b-mini-20241022-v2:0"]) {
      expect(modelMatcher("acme-*-mini")(model)).toBe(true);
      for (const part of patternSegments("acme-*-mini")) expect(model.toLowerCase()).toContain(part);
    }
  });
});

describe("placing re-priced calls in the rollup rows that counted them", () => {
  it("puts a call in its own row (the run's agent and team) and sums per row", () => {
    const { daily, unplaced } = allocateToRollup([call(100n), call(250n)], [cell({ unpricedCalls: 5 })]);
    expect(unplaced).toBe(0);
    expect(daily).toEqual([{ ...call(0n), calls: 2, costNano: 350n }]);
  });

  it("falls back to the same agent, then the same team, then any row of the day, model and prompt, never past a row's unpriced count", () => {
    const cells = [
      cell({ agentId: "a0", teamId: "t9", unpricedCalls: 5 }), // same day/model/prompt, nothing else in common
      cell({ agentId: "a1", teamId: "t1", unpricedCalls: 1 }), // the call's own row: room for one
      cell({ agentId: "a1", teamId: "t2", unpricedCalls: 1 }), // same agent, other team
      cell({ agentId: "a2", teamId: "t1", unpricedCalls: 1 }), // same team, other agent
      cell({ agentId: "a1", teamId: "t1", promptVersion: 2, unpricedCalls: 9 }), // another prompt version: never
    ];
    const { daily, unplaced } = allocateToRollup([call(1n), call(2n), call(3n), call(4n), call(5n)], cells);
    expect(unplaced).toBe(0);
    expect(daily.map((d) => [d.agentId, d.teamId, d.promptVersion, d.calls, d.costNano])).toEqual([
      ["a0", "t9", 0, 2, 9n],
      ["a1", "t1", 0, 1, 1n],
      ["a1", "t2", 0, 1, 2n],
      ["a2", "t1", 0, 1, 3n],
    ]);
  });

  it("counts calls no row accounts for as unplaced", () => {
    const { daily, unplaced } = allocateToRollup([call(7n), call(8n, { day: "2025-03-03" })], [cell()]);
    expect(daily).toHaveLength(1);
    expect(unplaced).toBe(1);
  });

  it("sums the daily deltas per month, team and agent", () => {
    const daily = [
      { ...call(0n), calls: 2, costNano: 5n },
      { ...call(0n, { day: "2025-03-31", model: "other" }), calls: 1, costNano: 7n },
      { ...call(0n, { day: "2025-04-01" }), calls: 1, costNano: 1n },
    ];
    expect(monthlyDeltas(daily)).toEqual([
      { month: "2025-03-01", teamId: "t1", agentId: "a1", calls: 3, costNano: 12n },
      { month: "2025-04-01", teamId: "t1", agentId: "a1", calls: 1, costNano: 1n },
    ]);
  });
});

describe("exact amounts", () => {
  it("renders nano-dollars as numeric(20,9) text", () => {
    expect(nanoToUsd(0n)).toBe("0.000000000");
    expect(nanoToUsd(12_340_000_001n)).toBe("12.340000001");
    expect(nanoToUsd(-5n)).toBe("-0.000000005");
    expect(nanoToUsd(123_456_789_012_345_678_901n)).toBe("123456789012.345678901");
  });
});

describe("which failures leave a re-pricing running for the next tick", () => {
  it("retries deadlocks, write conflicts, timeouts and an unreachable database; anything else fails it", () => {
    expect(isTransientDatabaseError(Object.assign(new Error("deadlock detected"), { code: "40P01" }))).toBe(true);
    expect(isTransientDatabaseError({ code: "P2010", meta: { driverAdapterError: { cause: { kind: "postgres", originalCode: "40P01" } } } })).toBe(true);
    expect(isTransientDatabaseError({ code: "P2034", meta: { driverAdapterError: { cause: { kind: "TransactionWriteConflict" } } } })).toBe(true);
    expect(isTransientDatabaseError(new Error("connect ECONNREFUSED 127.0.0.1:5432"))).toBe(true);
    expect(isTransientDatabaseError(Object.assign(new Error("numeric field overflow"), { code: "22003" }))).toBe(false);
    expect(isTransientDatabaseError(new TypeError("x is undefined"))).toBe(false);
  });
});
