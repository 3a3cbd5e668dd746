import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "@/lib/ids";
import { parseRunFilter, parseRunFilterReport } from "./schemas";

const id = "c" + "b".repeat(24);
const report = (params: Record<string, string | string[]>) => parseRunFilterReport(params, decodeCursor);

describe("parseRunFilterReport", () => {
  it("keeps good filters and reports nothing", () => {
    const { filter, ignored } = report({ agent: "planner", from: "2026-01-31", to: "2026-02-01T14:05", flag: ["loop", "stall"], sort: "cost" });
    expect(ignored).toEqual([]);
    expect(filter).toMatchObject({ agent: "planner", from: "2026-01-31", to: "2026-02-01T14:05", flag: ["loop", "stall"], sort: "cost" });
  });

  it.each([
    ["from", "0000-01-01", "not a date from 1970 to 9999"],
    ["to", "275760-09-13", "not a date"],
    ["from", "2026-02-31", "not a date"],
    ["from", "yesterday", "not a date"],
    ["agent", "planner\0", "contains a NUL character"],
    ["q", "x".repeat(5000), "longer than 200 characters"],
    ["status", "EXPLODED", expect.stringContaining("not one of")],
    ["flag", "loop,bogus", expect.stringContaining("not one of")],
    ["sort", "random", expect.stringContaining("not one of")],
  ])("drops %s=%s and says why", (name, value, reason) => {
    const { filter, ignored } = report({ [name]: value });
    expect(ignored).toEqual([{ name, reason }]);
    // The rest of the filter is as if the parameter were absent (a list keeps its known entries).
    const absent = parseRunFilter({});
    expect(filter).toEqual(name === "flag" ? { ...absent, flag: ["loop"] } : absent);
  });

  it("drops a cursor that is not this list's, including forged times and a cursor of another sort", () => {
    for (const [cursor, sort] of [
      ["garbage", "newest"],
      [encodeCursor("-271821-04-20T00:00:00.000Z", id), "newest"],
      [encodeCursor("+275760-09-13T00:00:00.000Z", id), "activity"],
      [encodeCursor("2026-01-31T00:00:00.000Z", id), "cost"],
      [encodeCursor("12.5", id), "oldest"],
    ] as const) {
      const { filter, ignored } = report({ cursor, sort });
      expect(ignored.map((i) => i.name), cursor).toEqual(["cursor"]);
      expect(filter.cursor).toBeUndefined();
    }
    expect(report({ cursor: encodeCursor("2026-01-31T00:00:00.000Z", id) }).ignored).toEqual([]);
    expect(report({ cursor: encodeCursor("12.5", id), sort: "cost" }).ignored).toEqual([]);
  });
});
