import { describe, expect, it } from "vitest";
import { breakerCreateBodySchema, breakerFormInput, breakerPatchBodySchema, breakerReplayBodySchema, parseSettings, ruleOf } from "./schemas";

const settings = { name: "tool errors", condition: "TOOL_ERROR_RATE", params: { thresholdPct: 50, window: 20, minSample: 10 }, mode: "ENFORCE", enabled: true, coolDownMinutes: 15, halfOpen: true };

describe("breaker settings", () => {
  it("accepts each condition with its own params", () => {
    expect(parseSettings(settings).success).toBe(true);
    for (const [condition, params] of [
      ["LOOPS", { runs: 3, windowMinutes: 30 }],
      ["SPEND_HOUR", { limitUsd: 12.5 }],
      ["ESCALATIONS_REJECTED", { count: 2 }],
      ["RUN_DURATION", { maxMinutes: 45 }],
    ] as const) {
      expect(parseSettings({ ...settings, condition, params }).success, condition).toBe(true);
    }
  });

  it("refuses params of another condition, unknown keys, wrong types, out-of-range and non-finite numbers, each under params.<field>", () => {
    const paths = (input: unknown) => {
      const r = parseSettings(input);
      return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
    };
    expect(paths({ ...settings, params: { runs: 3, windowMinutes: 30 } })).toEqual(expect.arrayContaining(["params.thresholdPct", "params.window"]));
    expect(paths({ ...settings, params: { ...settings.params, extra: 1 } })).toEqual(["params"]);
    expect(paths({ ...settings, params: { ...settings.params, window: "20" } })).toEqual(["params.window"]);
    expect(paths({ ...settings, params: { ...settings.params, window: 1001 } })).toEqual(["params.window"]);
    expect(paths({ ...settings, params: { ...settings.params, minSample: 30 } })).toEqual(["params.minSample"]);
    expect(paths({ ...settings, params: { ...settings.params, thresholdPct: Number.POSITIVE_INFINITY } })).toEqual(["params.thresholdPct"]);
    expect(paths({ ...settings, condition: "SPEND_HOUR", params: { limitUsd: -1 } })).toEqual(["params.limitUsd"]);
    expect(paths({ ...settings, params: null })).toEqual(["params"]);
  });

  it("refuses bad names, modes, cool-downs and unknown fields", () => {
    expect(parseSettings({ ...settings, name: "  " }).success).toBe(false);
    expect(parseSettings({ ...settings, name: "x".repeat(101) }).success).toBe(false);
    expect(parseSettings({ ...settings, name: "bad\u0000name" }).success).toBe(false);
    expect(parseSettings({ ...settings, mode: "TRIP" }).success).toBe(false);
    expect(parseSettings({ ...settings, coolDownMinutes: -1 }).success).toBe(false);
    expect(parseSettings({ ...settings, coolDownMinutes: 1.5 }).success).toBe(false);
    expect(parseSettings({ ...settings, state: "OPEN" }).success).toBe(false);
    expect(parseSettings("nonsense").success).toBe(false);
  });

  it("reads stored params as a rule, or null when they do not fit", () => {
    expect(ruleOf("SPEND_HOUR", { limitUsd: 3 })).toEqual({ condition: "SPEND_HOUR", params: { limitUsd: 3 } });
    expect(ruleOf("SPEND_HOUR", { limit: 3 })).toBeNull();
    expect(ruleOf("NOPE", {})).toBeNull();
  });
});

describe("API bodies", () => {
  it("create: lower-case condition and mode, params checked against the condition", () => {
    expect(breakerCreateBodySchema.safeParse({ name: "a", condition: "spend_hour", params: { limitUsd: 5 }, mode: "enforce" }).success).toBe(true);
    expect(breakerCreateBodySchema.safeParse({ name: "a", condition: "SPEND_HOUR", params: { limitUsd: 5 } }).success).toBe(false);
    expect(breakerCreateBodySchema.safeParse({ name: "a", condition: "spend_hour", params: { limitUsd: "5" } }).success).toBe(false);
    expect(breakerCreateBodySchema.safeParse({ name: "a", condition: "spend_hour", params: [5] }).success).toBe(false);
    expect(breakerCreateBodySchema.safeParse({ name: "a", condition: "spend_hour", params: { limitUsd: 5 }, state: "open" }).success).toBe(false);
  });

  it("patch: at least one field; a new condition needs params", () => {
    expect(breakerPatchBodySchema.safeParse({}).success).toBe(false);
    expect(breakerPatchBodySchema.safeParse({ enabled: false }).success).toBe(true);
    expect(breakerPatchBodySchema.safeParse({ condition: "loops" }).success).toBe(false);
    expect(breakerPatchBodySchema.safeParse({ condition: "loops", params: { runs: 2, windowMinutes: 5 } }).success).toBe(true);
  });

  it("replay: a saved breaker's id, or a draft", () => {
    expect(breakerReplayBodySchema.safeParse({ breakerId: "cabcdefghijklmnopqrstuvwx" }).success).toBe(true);
    expect(breakerReplayBodySchema.safeParse({ breakerId: "../etc" }).success).toBe(false);
    expect(breakerReplayBodySchema.safeParse({ condition: "loops", params: { runs: 2, windowMinutes: 5 }, coolDownMinutes: 0 }).success).toBe(true);
    expect(breakerReplayBodySchema.safeParse({ condition: "loops", params: { runs: 0, windowMinutes: 5 } }).success).toBe(false);
  });
});

describe("the form", () => {
  it("reads the condition's fields as numbers, checkboxes as booleans", () => {
    const data = new FormData();
    for (const [k, v] of Object.entries({ agent: "a", breakerId: "", name: "n", condition: "TOOL_ERROR_RATE", thresholdPct: "50", window: "1,000", minSample: "", mode: "OBSERVE", coolDownMinutes: "15", halfOpen: "on", limitUsd: "9" })) data.set(k, v);
    const { settings: s } = breakerFormInput(data);
    expect(s).toEqual({ name: "n", condition: "TOOL_ERROR_RATE", params: { thresholdPct: 50, window: 1000, minSample: "" }, mode: "OBSERVE", enabled: false, coolDownMinutes: 15, halfOpen: true });
    const parsed = parseSettings(s);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => i.path.join("."))).toEqual(["params.minSample"]);
  });
});
