import { describe, expect, it } from "vitest";
import { auditFilterReport } from "./queries";

describe("auditFilterReport", () => {
  it("keeps good filters", () => {
    expect(auditFilterReport({ action: "user.", from: "2026-01-01", to: "2026-01-31", before: "120" })).toEqual({
      filter: { action: "user.", from: "2026-01-01", to: "2026-01-31", before: 120n },
      ignored: [],
    });
  });

  it.each([
    ["from", "0000-01-01"],
    ["to", "275760-09-13"],
    ["to", "2026-01-31T10:00"],
    ["q", "abc\0"],
    ["actor", "a".repeat(201)],
    ["before", "abc"],
    ["before", "0"],
    // Beyond PostgreSQL's bigint: the query itself would fail.
    ["before", "9223372036854775808"],
    ["before", "1".repeat(40)],
  ])("drops %s=%s and reports it", (name, value) => {
    const { filter, ignored } = auditFilterReport({ [name]: value });
    expect(ignored.map((i) => i.name)).toEqual([name]);
    expect(filter).toEqual({});
  });

  it("takes the first of a repeated parameter", () => {
    expect(auditFilterReport({ actor: ["ada", "bob"] }).filter).toEqual({ actor: "ada" });
  });
});
