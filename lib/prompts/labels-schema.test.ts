import { describe, expect, it } from "vitest";
import { labelMoveBodySchema, labelMoveFormSchema, labelStateSchema } from "./labels-schema";

describe("label move body", () => {
  it("accepts a plain move, a canary split and an ended split", () => {
    expect(labelMoveBodySchema.parse({ label: "production", version: 3 })).toEqual({ label: "production", version: 3 });
    expect(labelMoveBodySchema.parse({ label: "beta", version: 1, canary: { version: 2, weight: 10 }, reason: "A/B" }).canary).toEqual({ version: 2, weight: 10 });
    expect(labelMoveBodySchema.parse({ label: "beta", version: 1, canary: null }).canary).toBeNull();
  });

  it.each([
    [{ version: 1 }],
    [{ label: "", version: 1 }],
    [{ label: "Production", version: 1 }],
    [{ label: "a b", version: 1 }],
    [{ label: "x".repeat(51), version: 1 }],
    [{ label: "production", version: 0 }],
    [{ label: "production", version: -1 }],
    [{ label: "production", version: 1.5 }],
    [{ label: "production", version: "1" }],
    [{ label: "production", version: 1e12 }],
    [{ label: "production", version: 1, canary: { version: 1, weight: 10 } }],
    [{ label: "production", version: 1, canary: { version: 2, weight: 0 } }],
    [{ label: "production", version: 1, canary: { version: 2, weight: 100 } }],
    [{ label: "production", version: 1, canary: { version: 2, weight: 10.5 } }],
    [{ label: "production", version: 1, canary: { version: 2 } }],
    [{ label: "production", version: 1, canary: { version: 2, weight: 10, extra: 1 } }],
    [{ label: "production", version: 1, admin: true }],
    [{ label: "production", version: 1, reason: "" }],
    [{ label: "production", version: 1, reason: "x".repeat(1001) }],
    [[]],
    ["production"],
    [null],
  ])("refuses %j", (body) => {
    expect(labelMoveBodySchema.safeParse(body).success).toBe(false);
  });
});

describe("stored label state", () => {
  it("holds a version and an optional canary", () => {
    expect(labelStateSchema.parse({ version: 2, canary: null })).toEqual({ version: 2, canary: null });
    expect(labelStateSchema.safeParse({ version: 2 }).success).toBe(false);
    expect(labelStateSchema.safeParse({ version: 2, canary: { version: 2, weight: 5 } }).success).toBe(false);
  });
});

describe("label move form", () => {
  const base = { label: "production", version: "3", canaryVersion: "", canaryWeight: "", reason: "ship it" };
  it("reads a plain move and a split", () => {
    expect(labelMoveFormSchema.parse(base)).toEqual({ label: "production", version: 3, canary: null, reason: "ship it" });
    expect(labelMoveFormSchema.parse({ ...base, canaryVersion: "4", canaryWeight: "25" }).canary).toEqual({ version: 4, weight: 25 });
  });
  it("names the field of each mistake", () => {
    const paths = (input: Record<string, string>) => {
      const r = labelMoveFormSchema.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
    };
    expect(paths({ ...base, reason: " " })).toEqual(["reason"]);
    expect(paths({ ...base, version: "x" })).toEqual(["version"]);
    expect(paths({ ...base, canaryVersion: "3", canaryWeight: "10" })).toEqual(["canaryVersion"]);
    expect(paths({ ...base, canaryVersion: "4", canaryWeight: "150" })).toEqual(["canaryWeight"]);
  });
});
