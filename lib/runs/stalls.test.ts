import { describe, expect, it } from "vitest";
import { isStalled } from "./stalls";

const now = new Date("2026-03-01T12:00:00Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

describe("stall rule", () => {
  it("stalls a running run quiet for longer than the threshold", () => {
    expect(isStalled({ status: "RUNNING", lastStepAt: minutesAgo(11) }, now)).toBe(true);
    expect(isStalled({ status: "RUNNING", lastStepAt: minutesAgo(9) }, now)).toBe(false);
  });
  it("uses the agent's threshold", () => {
    expect(isStalled({ status: "RUNNING", lastStepAt: minutesAgo(3) }, now, 2)).toBe(true);
    expect(isStalled({ status: "RUNNING", lastStepAt: minutesAgo(30) }, now, 60)).toBe(false);
  });
  it("never stalls a finished run", () => {
    expect(isStalled({ status: "SUCCEEDED", lastStepAt: minutesAgo(600) }, now)).toBe(false);
    expect(isStalled({ status: "STALLED", lastStepAt: minutesAgo(600) }, now)).toBe(false);
  });
});
