import { describe, expect, it } from "vitest";
import { bucketOf, pickArm } from "./canary";

describe("canary split", () => {
  it("gives the same key the same arm every time", () => {
    for (let i = 0; i < 200; i++) {
      const key = `run-${i}`;
      const first = pickArm("triage", "production", 30, key);
      for (let j = 0; j < 5; j++) expect(pickArm("triage", "production", 30, key)).toBe(first);
    }
  });

  it("splits 10,000 keys within ±2 % of the weight", () => {
    for (const weight of [1, 10, 50, 90]) {
      let canary = 0;
      for (let i = 0; i < 10_000; i++) if (pickArm("triage", "production", weight, `conversation-${i}`) === "canary") canary++;
      expect(Math.abs(canary / 100 - weight)).toBeLessThanOrEqual(2);
    }
  });

  it("only moves callers towards the canary when the weight rises", () => {
    for (let i = 0; i < 2000; i++) {
      const key = `k${i}`;
      if (pickArm("p", "production", 10, key) === "canary") expect(pickArm("p", "production", 40, key)).toBe("canary");
    }
  });

  it("hashes prompt, label and key apart (no collisions from concatenation)", () => {
    expect(bucketOf("ab", "c", "d")).not.toBe(bucketOf("a", "bc", "d"));
  });

  it("draws at random without a key, with the same odds", () => {
    let canary = 0;
    for (let i = 0; i < 10_000; i++) if (pickArm("p", "production", 20, null) === "canary") canary++;
    expect(canary).toBeGreaterThan(1500);
    expect(canary).toBeLessThan(2500);
  });
});
