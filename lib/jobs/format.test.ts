import { describe, expect, it } from "vitest";
import { formatInterval, formatRelative, formatSummary } from "./format";

const now = new Date("2026-03-01T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);

describe("job display formats", () => {
  it("says how often", () => {
    expect(formatInterval(60_000)).toBe("every 1 min");
    expect(formatInterval(30_000)).toBe("every 30 s");
    expect(formatInterval(5_400_000)).toBe("every 1.5 h");
    expect(formatInterval(86_400_000)).toBe("every 1 d");
  });
  it("says how long ago, in whole units", () => {
    expect(formatRelative(ago(1_000), now)).toBe("just now");
    expect(formatRelative(ago(42_500), now)).toBe("42 s ago");
    expect(formatRelative(ago(5 * 60_000 + 59_000), now)).toBe("5 min ago");
    expect(formatRelative(ago(3 * 3_600_000), now)).toBe("3 h ago");
    expect(formatRelative(ago(2 * 86_400_000), now)).toBe("2 d ago");
    expect(formatRelative(ago(-10_000), now)).toBe("in 10 s");
  });
  it("lists a summary's counts", () => {
    expect(formatSummary({ stalled: 2, dry: false, note: null })).toBe("stalled: 2, dry: false, note: —");
    expect(formatSummary({})).toBe("—");
    expect(formatSummary(null)).toBe("—");
  });
});
