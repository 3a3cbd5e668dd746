import { describe, expect, it } from "vitest";
import {
  addDays,
  daysOf,
  parsePromptKey,
  parseSpendPageParams,
  presetOf,
  presetRange,
  previousPeriod,
  rangeDays,
  resolveSpendRange,
  runsLinkFor,
  spendCsvQuerySchema,
  spendQueryString,
  spendQuerySchema,
  todayUtc,
  type SpendQuery,
} from "./report-schema";

const TODAY = "2026-03-15";

describe("period arithmetic on UTC days", () => {
  it("adds days across months, years and leap days", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(addDays("2025-12-31", 1)).toBe("2026-01-01");
    expect(rangeDays({ from: "2026-03-01", to: "2026-03-01" })).toBe(1);
    expect(rangeDays({ from: "2024-01-01", to: "2024-12-31" })).toBe(366);
    expect(daysOf({ from: "2026-02-27", to: "2026-03-02" })).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
  });

  it("reads today in UTC whatever the local clock says", () => {
    expect(todayUtc(new Date("2026-03-01T23:30:00Z"))).toBe("2026-03-01");
    expect(todayUtc(new Date("2026-03-02T00:30:00+02:00"))).toBe("2026-03-01");
  });

  it("puts the previous period of equal length right before the range", () => {
    expect(previousPeriod({ from: "2026-03-01", to: "2026-03-31" })).toEqual({ from: "2026-01-29", to: "2026-02-28" });
    expect(previousPeriod({ from: "2026-03-15", to: "2026-03-15" })).toEqual({ from: "2026-03-14", to: "2026-03-14" });
    const p = previousPeriod({ from: "2026-02-14", to: "2026-03-15" });
    expect(rangeDays(p)).toBe(30);
    expect(addDays(p.to, 1)).toBe("2026-02-14");
  });

  it("has the five presets, and recognises them", () => {
    expect(presetRange("today", TODAY)).toEqual({ from: TODAY, to: TODAY });
    expect(presetRange("last7", TODAY)).toEqual({ from: "2026-03-09", to: TODAY });
    expect(presetRange("last30", TODAY)).toEqual({ from: "2026-02-14", to: TODAY });
    expect(presetRange("thisMonth", TODAY)).toEqual({ from: "2026-03-01", to: TODAY });
    expect(presetRange("lastMonth", TODAY)).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(presetRange("lastMonth", "2026-01-10")).toEqual({ from: "2025-12-01", to: "2025-12-31" });
    expect(presetOf({ from: "2026-02-14", to: TODAY }, TODAY)).toBe("last30");
    expect(presetOf({ from: "2026-02-13", to: TODAY }, TODAY)).toBeNull();
  });

  it("defaults to the last 30 days and refuses reversed or over-long ranges, naming the field", () => {
    expect(resolveSpendRange({}, TODAY)).toEqual({ ok: true, range: { from: "2026-02-14", to: TODAY } });
    expect(resolveSpendRange({ to: "2026-01-31" }, TODAY)).toEqual({ ok: true, range: { from: "2026-01-02", to: "2026-01-31" } });
    expect(resolveSpendRange({ from: "2026-03-02", to: "2026-03-01" }, TODAY)).toMatchObject({ ok: false, field: "to" });
    expect(resolveSpendRange({ from: "2024-12-31", to: "2026-01-01" }, TODAY)).toMatchObject({ ok: false, field: "from" });
    expect(resolveSpendRange({ from: "2025-01-01", to: "2026-01-01" }, TODAY)).toMatchObject({ ok: true });
    expect(resolveSpendRange({ from: "2024-01-01", to: "2024-12-31" }, TODAY)).toMatchObject({ ok: true });
  });
});

describe("the API's query schema", () => {
  const parse = (input: Record<string, unknown>) => spendQuerySchema.safeParse(input);
  const paths = (input: Record<string, unknown>) => {
    const r = parse(input);
    return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
  };

  it("accepts a range, a grouping and filters", () => {
    expect(parse({ from: "2026-01-01", to: "2026-01-31", groupBy: "team", team: " Finance ", prompt: "triage@3" }).data).toEqual({
      from: "2026-01-01",
      to: "2026-01-31",
      groupBy: "team",
      team: "Finance",
      prompt: "triage@3",
    });
    expect(parse({ to: "2026-01-31" }).data).toMatchObject({ from: "2026-01-02", groupBy: "day" });
    expect(parse({ agent: "" }).data?.agent).toBeUndefined();
  });

  it("refuses malformed days, reversed and huge ranges, unknown groupings, wrong types and long names", () => {
    for (const from of ["2026-1-01", "2026-02-30", "yesterday", "2026-01-01T00:00", "0000-01-01", "2026-01-01' OR 1=1 --"]) {
      expect(paths({ from, to: "2026-03-01" }), from).toEqual(["from"]);
    }
    expect(paths({ from: "2026-03-02", to: "2026-03-01" })).toEqual(["to"]);
    expect(paths({ from: "2020-01-01", to: "2026-01-01" })).toEqual(["from"]);
    expect(paths({ groupBy: "week" })).toEqual(["groupBy"]);
    expect(paths({ groupBy: ["day", "team"] })).toEqual(["groupBy"]);
    expect(paths({ agent: 5 })).toEqual(["agent"]);
    expect(paths({ team: "x".repeat(201) })).toEqual(["team"]);
  });

  it("reads detail for the CSV", () => {
    expect(spendCsvQuerySchema.parse({ detail: "true" }).detail).toBe(true);
    expect(spendCsvQuerySchema.parse({}).detail).toBe(false);
    expect(spendCsvQuerySchema.safeParse({ detail: "yes" }).success).toBe(false);
  });

  it("splits a prompt key at its last @version", () => {
    expect(parsePromptKey("triage@3")).toEqual({ name: "triage", version: 3 });
    expect(parsePromptKey("triage")).toEqual({ name: "triage", version: null });
    expect(parsePromptKey("a@b@12")).toEqual({ name: "a@b", version: 12 });
    expect(parsePromptKey("team@home")).toEqual({ name: "team@home", version: null });
    expect(parsePromptKey("x@0")).toEqual({ name: "x@0", version: null });
  });
});

describe("the page's reading of its URL", () => {
  it("shows range errors at the field and drops other bad values with a notice", () => {
    const bad = parseSpendPageParams({ from: "2026-03-10", to: "2026-03-01", groupBy: "week" }, TODAY);
    expect(bad.query).toBeNull();
    expect(bad.errors.to).toMatch(/before the start/);
    expect(bad.ignored.map((i) => i.name)).toEqual(["groupBy"]);
    expect(bad.form).toMatchObject({ from: "2026-03-10", to: "2026-03-01", groupBy: "day" });

    expect(parseSpendPageParams({ from: "2026-02-31" }, TODAY).errors.from).toBe("Not a calendar date.");
    expect(parseSpendPageParams({ from: "2025-01-01", to: "2026-03-01" }, TODAY).errors.from).toMatch(/at most 366/);
  });

  it("defaults to the last 30 days by day, and takes the first of a repeated value", () => {
    const ok = parseSpendPageParams({ groupBy: ["team", "model"] }, TODAY);
    expect(ok.query).toEqual({ from: "2026-02-14", to: TODAY, groupBy: "team", agent: undefined, team: undefined, model: undefined, prompt: undefined });
    expect(ok.form).toMatchObject({ from: "2026-02-14", to: TODAY });
  });

  it("writes the view back as a query string", () => {
    expect(spendQueryString({ from: "2026-01-01", to: "2026-01-31", groupBy: "team", team: "A&B" })).toBe("from=2026-01-01&to=2026-01-31&groupBy=team&team=A%26B");
    expect(spendQueryString({ from: "2026-01-01", to: "2026-01-31", groupBy: "day", detail: true })).toBe("from=2026-01-01&to=2026-01-31&detail=true");
  });
});

describe("drill-down links into the runs list", () => {
  const query: SpendQuery = { from: "2026-01-01", to: "2026-01-31", groupBy: "team" };
  const params = (href: string) => Object.fromEntries(new URL(href, "http://x").searchParams);

  it("narrows to the range and the row's day, agent, team or prompt version", () => {
    expect(params(runsLinkFor(query).href)).toEqual({ from: "2026-01-01", to: "2026-01-31" });
    expect(params(runsLinkFor(query, { group: "team", name: "Finance ops", version: 0, none: false }).href)).toEqual({ from: "2026-01-01", to: "2026-01-31", team: "Finance ops" });
    expect(params(runsLinkFor(query, { group: "day", name: "2026-01-07", version: 0, none: false }).href)).toEqual({ from: "2026-01-07", to: "2026-01-07" });
    expect(params(runsLinkFor({ ...query, agent: "bot" }, { group: "prompt", name: "triage", version: 2, none: false }).href)).toEqual({
      from: "2026-01-01",
      to: "2026-01-31",
      agent: "bot",
      prompt: "triage",
      promptVersion: "2",
    });
    expect(runsLinkFor(query, { group: "team", name: "Finance ops", version: 0, none: false }).caveat).toBeNull();
  });

  it("narrows to a model, and says what it cannot narrow to: no model, no team", () => {
    const model = runsLinkFor(query, { group: "model", name: "gpt-4o", version: 0, none: false });
    expect(params(model.href)).toEqual({ from: "2026-01-01", to: "2026-01-31", model: "gpt-4o" });
    expect(model.caveat).toBeNull();
    expect(runsLinkFor(query, { group: "model", name: "", version: 0, none: true }).caveat).toMatch(/without a model/);
    expect(runsLinkFor(query, { group: "team", name: "", version: 0, none: true }).caveat).toMatch(/without a team/);
    expect(params(runsLinkFor({ ...query, prompt: "triage@4" }).href)).toMatchObject({ prompt: "triage", promptVersion: "4" });
  });
});
