/** The Prompt log's query parameters: lenient, every drop reported. */
import { describe, expect, it } from "vitest";
import { encodeCursor } from "@/lib/ids";
import { MAX_SEARCH_CHARS, parsePromptLogQuery, promptLogQueryString, PROMPT_LOG_PAGE_SIZE } from "./params";

const STEP_ID = "cmabcdefghijklmnopqrstuvw";
const names = (ignored: { name: string }[]) => ignored.map((i) => i.name);

describe("parsePromptLogQuery", () => {
  it("reads every filter and turns times into UTC instants (a bare `to` date covers its whole day)", () => {
    const { query, filter, ignored } = parsePromptLogQuery({
      q: "  refund policy ",
      prompt: "support-triage",
      version: "3",
      model: "gpt-4o",
      agent: "billing-bot",
      team: "payments",
      from: "2026-11-03",
      to: "2026-11-03",
    });
    expect(ignored).toEqual([]);
    expect(query).toMatchObject({ q: "refund policy", prompt: "support-triage", version: 3, model: "gpt-4o", agent: "billing-bot", team: "payments" });
    expect(filter.from?.toISOString()).toBe("2026-11-03T00:00:00.000Z");
    expect(filter.to?.toISOString()).toBe("2026-11-04T00:00:00.000Z");
    expect(filter.limit).toBe(PROMPT_LOG_PAGE_SIZE);
  });

  it("accepts a datetime-local value as UTC", () => {
    const { filter } = parsePromptLogQuery({ from: "2026-11-03T14:05", to: "2026-11-03T15:00:30" });
    expect(filter.from?.toISOString()).toBe("2026-11-03T14:05:00.000Z");
    expect(filter.to?.toISOString()).toBe("2026-11-03T15:00:30.000Z");
  });

  it("treats empty and blank values as absent, without a notice", () => {
    const { query, ignored } = parsePromptLogQuery({ q: "   ", prompt: "", agent: " ", version: "", from: "", to: "", cursor: "" });
    expect(ignored).toEqual([]);
    expect(query.q).toBeUndefined();
    expect(query.prompt).toBeUndefined();
    expect(query.agent).toBeUndefined();
  });

  it("takes the first value of a repeated parameter", () => {
    expect(parsePromptLogQuery({ agent: ["a", "b"] }).query.agent).toBe("a");
  });

  it.each([
    ["q", "x".repeat(MAX_SEARCH_CHARS + 1), /longer than 200/],
    ["q", "a\0b", /NUL/],
    ["agent", "x".repeat(201), /longer than 200/],
    ["prompt", "p".repeat(101), /longer than 100/],
    ["version", "0", /version number/],
    ["version", "-1", /version number/],
    ["version", "1.5", /version number/],
    ["version", "12345678", /version number/],
    ["version", "3abc", /version number/],
    ["from", "yesterday", /not a date/],
    ["from", "2026-02-30", /not a date/],
    ["to", "1969-12-31", /from 1970/],
    ["to", "2026-11-03T25:00", /not a date/],
  ])("drops %s=%j and says why", (name, value, reason) => {
    const { query, ignored } = parsePromptLogQuery({ [name]: value });
    expect(query[name as keyof typeof query]).toBeUndefined();
    expect(ignored).toHaveLength(1);
    expect(ignored[0]!.name).toBe(name);
    expect(ignored[0]!.reason).toMatch(reason);
  });

  it("keeps the other filters when one is malformed", () => {
    const { query, ignored } = parsePromptLogQuery({ q: "refund", version: "abc", agent: "billing-bot" });
    expect(names(ignored)).toEqual(["version"]);
    expect(query).toMatchObject({ q: "refund", agent: "billing-bot" });
  });

  it("drops a `to` that is not after `from`", () => {
    const { filter, ignored } = parsePromptLogQuery({ from: "2026-11-05", to: "2026-11-04" });
    expect(names(ignored)).toEqual(["to"]);
    expect(filter.from).toBeDefined();
    expect(filter.to).toBeUndefined();
  });

  it("accepts its own cursor and drops forged, foreign or undecodable ones", () => {
    const good = encodeCursor("2026-11-03T10:00:00.000Z", STEP_ID);
    expect(parsePromptLogQuery({ cursor: good }).query.cursor).toBe(good);
    for (const cursor of [
      "not-a-cursor",
      encodeCursor(42, STEP_ID), // a number where a time belongs (another list's sort)
      encodeCursor("0001-01-01T00:00:00.000Z", STEP_ID), // a time outside the accepted years
      encodeCursor("2026-02-31T00:00:00.000Z", STEP_ID), // not a calendar date
      encodeCursor("2026-11-03T10:00:00.000Z", "x'); DROP TABLE \"Step\"; --"),
      Buffer.from("[1,2,3]").toString("base64url"),
    ]) {
      const { query, ignored } = parsePromptLogQuery({ cursor });
      expect(query.cursor).toBeUndefined();
      expect(names(ignored)).toEqual(["cursor"]);
    }
  });

  it("round-trips through its query string", () => {
    const { query } = parsePromptLogQuery({ q: 'a "b c" -d', agent: "x & y", version: "2", from: "2026-11-03T14:05" });
    const again = parsePromptLogQuery(Object.fromEntries(new URLSearchParams(promptLogQueryString(query)))).query;
    expect(again).toEqual(query);
    expect(promptLogQueryString(query, { agent: undefined })).not.toContain("agent=");
  });
});
