/**
 * The spend report's query (`/spend`, `GET /api/v1/spend`, `GET /api/v1/spend.csv`):
 * an inclusive range of UTC days, a grouping and optional filters, validated
 * once here for the page and the API; plus the period arithmetic they share
 * (presets, the previous period of equal length) and the links a report row
 * drills down with. Isomorphic: no database, safe in client components.
 */
import { z } from "zod";
import { runFilterQuery, type RunFilter } from "@/lib/runs/schemas";
import { firstValue, isCalendarTime, MAX_QUERY_YEAR, MIN_QUERY_YEAR, yearInRange, type IgnoredQueryParam, type PageSearchParams } from "@/lib/security/page-query";

export const SPEND_GROUPS = ["day", "model", "agent", "team", "prompt"] as const;
export type SpendGroup = (typeof SPEND_GROUPS)[number];

export const SPEND_GROUP_LABELS: Record<SpendGroup, string> = {
  day: "Day",
  model: "Model",
  agent: "Agent",
  team: "Team",
  prompt: "Prompt version",
};

/** Longest range one query reads: a year, leap day included. */
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;
/** Names are bounded like the rollup's columns (lib/telemetry/mapping.ts MAX_LABEL_LENGTH is far below). */
const MAX_NAME_LENGTH = 200;

const DAY_MS = 86_400_000;

/** An inclusive range of UTC days, `YYYY-MM-DD`. */
export interface SpendRange {
  from: string;
  to: string;
}

export interface SpendFilters {
  agent?: string;
  team?: string;
  model?: string;
  /** `name` (any version) or `name@version`. */
  prompt?: string;
}

export interface SpendQuery extends SpendRange, SpendFilters {
  groupBy: SpendGroup;
}

// ── period arithmetic (UTC days as strings, so no time zone can move them) ──

export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days in the inclusive range (1 for from = to). */
export function rangeDays({ from, to }: SpendRange): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The range of equal length that ends the day before `from`. */
export function previousPeriod(range: SpendRange): SpendRange {
  const days = rangeDays(range);
  return { from: addDays(range.from, -days), to: addDays(range.from, -1) };
}

/** Every day of the range, in order. */
export function daysOf(range: SpendRange): string[] {
  const days: string[] = [];
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) days.push(day);
  return days;
}

export const SPEND_PRESETS = ["today", "last7", "last30", "thisMonth", "lastMonth"] as const;
export type SpendPreset = (typeof SPEND_PRESETS)[number];

export const PRESET_LABELS: Record<SpendPreset, string> = {
  today: "Today",
  last7: "Last 7 days",
  last30: "Last 30 days",
  thisMonth: "This month",
  lastMonth: "Last month",
};

export function presetRange(preset: SpendPreset, today: string): SpendRange {
  const monthStart = `${today.slice(0, 7)}-01`;
  switch (preset) {
    case "today":
      return { from: today, to: today };
    case "last7":
      return { from: addDays(today, -6), to: today };
    case "last30":
      return { from: addDays(today, -(DEFAULT_RANGE_DAYS - 1)), to: today };
    case "thisMonth":
      return { from: monthStart, to: today };
    case "lastMonth": {
      const lastDay = addDays(monthStart, -1);
      return { from: `${lastDay.slice(0, 7)}-01`, to: lastDay };
    }
  }
}

/** The preset a range is, if any (the first that matches: "this month" on the 1st is also "today"). */
export function presetOf(range: SpendRange, today: string): SpendPreset | null {
  return SPEND_PRESETS.find((p) => {
    const r = presetRange(p, today);
    return r.from === range.from && r.to === range.to;
  }) ?? null;
}

export type RangeResult = { ok: true; range: SpendRange } | { ok: false; field: "from" | "to"; message: string };

/**
 * The range a query asks for, from already well-formed days: `to` defaults to
 * today, `from` to 29 days before `to` (the last 30 days). Refused: `from`
 * after `to`, and more than MAX_RANGE_DAYS days.
 */
export function resolveSpendRange(input: { from?: string; to?: string }, today: string): RangeResult {
  const to = input.to ?? today;
  const from = input.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) return { ok: false, field: "to", message: `The end (${to}) is before the start (${from}).` };
  const days = rangeDays({ from, to });
  if (days > MAX_RANGE_DAYS) {
    return { ok: false, field: "from", message: `The range covers ${days.toLocaleString("en-US")} days; at most ${MAX_RANGE_DAYS} at a time.` };
  }
  return { ok: true, range: { from, to } };
}

// ── the query's fields ──

const DAY_MESSAGE = "Must be a date written YYYY-MM-DD (a UTC day).";

/** Why a day is refused (one reason), or null. */
function dayProblem(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return DAY_MESSAGE;
  if (!isCalendarTime(value)) return "Not a calendar date.";
  if (!yearInRange(value)) return `Must be a date from the years ${MIN_QUERY_YEAR} to ${MAX_QUERY_YEAR}.`;
  return null;
}

const spendDay = z
  .string({ message: DAY_MESSAGE })
  .trim()
  .superRefine((value, ctx) => {
    const problem = dayProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ format: "date" });

/** A name filter: trimmed, bounded; empty means no filter. */
const nameFilter = z
  .string({ message: "Must be text." })
  .trim()
  .max(MAX_NAME_LENGTH, `Must be at most ${MAX_NAME_LENGTH} characters long.`)
  .refine((v) => !v.includes("\0"), "Must not contain a NUL character.")
  .transform((v) => v || undefined);

/** Each field on its own: the API refuses a bad one, the page drops it and says so. */
export const spendQueryFields = {
  from: spendDay.optional(),
  to: spendDay.optional(),
  groupBy: z.enum(SPEND_GROUPS, { message: `Must be one of ${SPEND_GROUPS.join(", ")}.` }).default("day"),
  agent: nameFilter.optional(),
  team: nameFilter.optional(),
  model: nameFilter.optional(),
  prompt: nameFilter.optional(),
};

/** The range of a parsed query resolved (defaults applied), or null with the issue added. */
function resolveQuery<T extends { from?: string; to?: string }>(value: T, ctx: z.RefinementCtx): (Omit<T, "from" | "to"> & SpendRange) | null {
  const result = resolveSpendRange(value, todayUtc());
  if (!result.ok) {
    ctx.addIssue({ code: "custom", path: [result.field], message: result.message });
    return null;
  }
  return { ...value, ...result.range };
}

/** `GET /api/v1/spend`: strict, a bad value is a 400 naming its field; the range resolved (defaults applied). */
export const spendQuerySchema = z.object(spendQueryFields).transform((value, ctx): SpendQuery => resolveQuery(value, ctx) ?? z.NEVER);

/** `GET /api/v1/spend.csv`: the same, plus `detail` (one line per rollup row instead of per group). */
export const spendCsvQuerySchema = z
  .object({
    ...spendQueryFields,
    detail: z.enum(["true", "false", "1", "0"], { message: "Must be true or false." }).optional(),
  })
  .transform((value, ctx): SpendQuery & { detail: boolean } => {
    const { detail, ...rest } = value;
    const resolved = resolveQuery(rest, ctx);
    return resolved ? { ...resolved, detail: detail === "true" || detail === "1" } : z.NEVER;
  });

/** `name@version` → both; `name` → any version of it. A version is the last `@` followed by digits. */
export function parsePromptKey(prompt: string): { name: string; version: number | null } {
  const match = /^(.+)@([1-9]\d{0,8})$/.exec(prompt);
  return match ? { name: match[1]!, version: Number(match[2]) } : { name: prompt, version: null };
}

// ── the page's reading of its URL ──

export interface SpendPageParams {
  /** null when the range is invalid: the page shows the errors instead of a report. */
  query: SpendQuery | null;
  /** What the form shows: the values as given (or as defaulted). */
  form: { from: string; to: string; groupBy: SpendGroup } & SpendFilters;
  /** Field errors of the range, shown beside the date inputs. */
  errors: Partial<Record<"from" | "to", string>>;
  /** Other parameters dropped (an unknown grouping, a filter too long). */
  ignored: IgnoredQueryParam[];
}

/** Reads the page's search params: range errors are the page's to show, any other bad value is dropped and reported. */
export function parseSpendPageParams(params: PageSearchParams, today: string = todayUtc()): SpendPageParams {
  const errors: SpendPageParams["errors"] = {};
  const ignored: IgnoredQueryParam[] = [];
  const raw = (name: keyof typeof spendQueryFields) => firstValue(params[name]);

  const day = (name: "from" | "to"): string | undefined => {
    const value = raw(name)?.trim();
    if (!value) return undefined;
    const parsed = spendDay.safeParse(value);
    if (!parsed.success) errors[name] = parsed.error.issues[0]?.message ?? DAY_MESSAGE;
    return parsed.success ? parsed.data : undefined;
  };
  const from = day("from");
  const to = day("to");

  const field = <K extends "groupBy" | "agent" | "team" | "model" | "prompt">(name: K) => {
    const value = raw(name);
    const parsed = spendQueryFields[name].safeParse(value);
    if (parsed.success) return parsed.data as z.output<(typeof spendQueryFields)[K]>;
    ignored.push({ name, reason: parsed.error.issues[0]?.message ?? "not valid" });
    return spendQueryFields[name].parse(undefined) as z.output<(typeof spendQueryFields)[K]>;
  };
  const groupBy = field("groupBy");
  const filters: SpendFilters = { agent: field("agent"), team: field("team"), model: field("model"), prompt: field("prompt") };

  let query: SpendQuery | null = null;
  const form = { from: raw("from")?.trim() || "", to: raw("to")?.trim() || "", groupBy, ...filters };
  if (!errors.from && !errors.to) {
    const result = resolveSpendRange({ from, to }, today);
    if (result.ok) {
      query = { ...result.range, groupBy, ...filters };
      form.from = result.range.from;
      form.to = result.range.to;
    } else {
      errors[result.field] = result.message;
    }
  }
  return { query, form, errors, ignored };
}

/** The query string of a spend view, for links (defaults left out). */
export function spendQueryString(query: Partial<SpendQuery> & { detail?: boolean }): string {
  const params = new URLSearchParams();
  if (query.from) params.set("from", query.from);
  if (query.to) params.set("to", query.to);
  if (query.groupBy && query.groupBy !== "day") params.set("groupBy", query.groupBy);
  for (const key of ["agent", "team", "model", "prompt"] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  if (query.detail) params.set("detail", "true");
  return params.toString();
}

// ── drill-down into the runs list ──

/** What a report row stands for, to link to the runs behind it. */
export interface SpendGroupRef {
  group: SpendGroup;
  /** The day (YYYY-MM-DD), model, agent or team name, or prompt name; "" for none. */
  name: string;
  /** Prompt version (0 = none). */
  version: number;
  /** For a group with no name (no agent, no team): true. */
  none: boolean;
}

export interface RunsLink {
  href: string;
  /** What the runs list cannot narrow to, said next to the link; null when the link is exact. */
  caveat: string | null;
}

/**
 * The runs list (lib/runs/schemas.ts runFilterSchema) narrowed as far as it
 * can be to the spend of a view or one of its rows: the range (runs by start
 * time), agent, team, model and prompt version. It has no filter for "no
 * agent" or "no team": those links show the wider list and say so.
 */
export function runsLinkFor(query: SpendQuery, ref?: SpendGroupRef): RunsLink {
  const filter: Partial<RunFilter> = { from: query.from, to: query.to, agent: query.agent, team: query.team };
  const caveats: string[] = [];
  if (query.prompt) {
    const { name, version } = parsePromptKey(query.prompt);
    filter.prompt = name;
    if (version !== null) filter.promptVersion = String(version);
  }
  if (query.model) filter.model = query.model;
  if (ref) {
    switch (ref.group) {
      case "day":
        filter.from = ref.name;
        filter.to = ref.name;
        break;
      case "model":
        if (ref.none) caveats.push("the runs list cannot select calls without a model");
        else filter.model = ref.name;
        break;
      case "agent":
        if (ref.none) caveats.push("the runs list cannot select runs without an agent");
        else filter.agent = ref.name;
        break;
      case "team":
        if (ref.none) caveats.push("the runs list cannot select runs without a team");
        else filter.team = ref.name;
        break;
      case "prompt":
        if (ref.none) caveats.push("the runs list cannot select runs without a prompt");
        else {
          filter.prompt = ref.name;
          filter.promptVersion = ref.version > 0 ? String(ref.version) : undefined;
        }
        break;
    }
  }
  const unique = [...new Set(caveats)];
  return {
    href: `/runs?${runFilterQuery(filter)}`,
    caveat: unique.length ? `Shows more runs than this spend: ${unique.join("; ")}.` : null,
  };
}

// The answer of GET /api/v1/spend (DESIGN.md "Spend"): documentation (the OpenAPI document is
// generated from it) and the handler's output type, never parsed at runtime.

const measureFields = {
  calls: z.number().int().meta({ description: "LLM calls (and other billable steps), priced or not." }),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cachedInputTokens: z.number().int(),
  costUsd: z.number().meta({ description: "USD of the priced calls, summed exactly (numeric) before conversion. Unpriced calls are not $0: see unpricedCalls." }),
  unpricedCalls: z.number().int().meta({ description: "Calls no model price applied to: counted in calls, their cost unknown and not in costUsd." }),
};

export const spendRowSchema = z.object({
  key: z.string().meta({
    description: "The group: a day `YYYY-MM-DD` (UTC), a model, agent or team name, or `prompt@version` (a prompt without a version: its name). Empty for calls with no model, agent, team or prompt.",
  }),
  label: z.string().meta({ description: "The group as the console names it (`No team`, `support-triage v3`)." }),
  ...measureFields,
});

export const spendTotalSchema = z.object(measureFields);

export const spendReportJsonSchema = z.object({
  from: z.iso.date().meta({ description: "First UTC day, inclusive." }),
  to: z.iso.date().meta({ description: "Last UTC day, inclusive." }),
  groupBy: z.enum(SPEND_GROUPS),
  rows: z.array(spendRowSchema).meta({ description: "Days in order; other groupings largest cost first." }),
  total: spendTotalSchema.meta({ description: "The sums of the rows." }),
  unpricedModels: z.array(z.object({ model: z.string(), calls: z.number().int() })).meta({ description: "The models of the unpriced calls: add a price for them in Settings › Model prices." }),
});
export type SpendReportJson = z.output<typeof spendReportJsonSchema>;
