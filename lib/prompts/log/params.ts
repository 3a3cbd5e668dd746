/**
 * The Prompt log's query parameters: what the page's form and links carry, read leniently (a
 * malformed value is dropped and reported, never an error) into the filter the search takes.
 */
import { z } from "zod";
import { decodeCursor } from "@/lib/ids";
import { filterInstant } from "@/lib/runs/schemas";
import {
  firstValue,
  ignoredParams,
  isCalendarTime,
  queryDate,
  queryText,
  yearInRange,
  type IgnoredQueryParam,
  type PageSearchParams,
} from "@/lib/security/page-query";

export const PROMPT_LOG_PAGE_SIZE = 50;
export const MAX_PROMPT_LOG_PAGE_SIZE = 100;
export const MAX_SEARCH_CHARS = 200;

const promptVersionParam = z
  .string({ message: "not a version number" })
  .trim()
  .regex(/^[1-9]\d{0,6}$/, "not a version number (1, 2, 3 …)")
  .transform(Number)
  .optional();

/** Each parameter on its own, strict: what the page reports as ignored. */
const promptLogFields = {
  q: queryText(MAX_SEARCH_CHARS),
  prompt: queryText(100),
  version: promptVersionParam,
  model: queryText(200),
  agent: queryText(200),
  team: queryText(200),
  from: queryDate({ withTime: true }),
  to: queryDate({ withTime: true }),
  cursor: queryText(400),
};

/** Lenient: a malformed value is dropped (the page says which), never an error. */
export const promptLogQuerySchema = z.object({
  q: promptLogFields.q.catch(undefined),
  prompt: promptLogFields.prompt.catch(undefined),
  version: promptLogFields.version.catch(undefined),
  model: promptLogFields.model.catch(undefined),
  agent: promptLogFields.agent.catch(undefined),
  team: promptLogFields.team.catch(undefined),
  from: promptLogFields.from.catch(undefined),
  to: promptLogFields.to.catch(undefined),
  cursor: promptLogFields.cursor.catch(undefined),
});
/** The parameters as the form and links carry them (strings; `version` a number). */
export type PromptLogQuery = z.output<typeof promptLogQuerySchema>;

export interface PromptLogFilter {
  /** Web search syntax: words, "a phrase", or, -word. */
  q?: string;
  prompt?: string;
  version?: number;
  model?: string;
  agent?: string;
  team?: string;
  /** Calls started at or after. */
  from?: Date;
  /** Calls started before. */
  to?: Date;
  cursor?: string;
  limit?: number;
}

/** A field submitted empty (the form sends every field) is absent, not malformed. */
const given = (v: string | string[] | undefined): string | undefined => {
  const first = firstValue(v);
  return first === undefined || first.trim() === "" ? undefined : first;
};

function queryInput(params: PageSearchParams) {
  return {
    q: given(params.q),
    prompt: given(params.prompt),
    version: given(params.version),
    model: given(params.model),
    agent: given(params.agent),
    team: given(params.team),
    from: given(params.from),
    to: given(params.to),
    cursor: given(params.cursor),
  };
}

/** A cursor's time must be one the database can hold: a forged one would fail the query. */
export function cursorTimeFits(value: string | number): value is string {
  return (
    typeof value === "string" &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) &&
    isCalendarTime(value.slice(0, 19)) &&
    yearInRange(value)
  );
}

/**
 * Next's searchParams → the form's values, the search filter, and every
 * parameter dropped with its reason (for the page's notice).
 */
export function parsePromptLogQuery(params: PageSearchParams): { query: PromptLogQuery; filter: PromptLogFilter; ignored: IgnoredQueryParam[] } {
  const input = queryInput(params);
  const query = promptLogQuerySchema.parse(input);
  const ignored = ignoredParams(promptLogFields, input);
  if (query.cursor) {
    const decoded = decodeCursor(query.cursor);
    if (!decoded || !cursorTimeFits(decoded[0])) {
      ignored.push({ name: "cursor", reason: "not a page link of this log (showing the first page)" });
      query.cursor = undefined;
    }
  }
  const from = query.from ? filterInstant(query.from, false) : undefined;
  let to = query.to ? filterInstant(query.to, true) : undefined;
  if (from && to && to <= from) {
    ignored.push({ name: "to", reason: "not after from" });
    query.to = undefined;
    to = undefined;
  }
  const filter: PromptLogFilter = {
    q: query.q,
    prompt: query.prompt,
    version: query.version,
    model: query.model,
    agent: query.agent,
    team: query.team,
    from,
    to,
    cursor: query.cursor,
    limit: PROMPT_LOG_PAGE_SIZE,
  };
  return { query, filter, ignored };
}

/** The query string of the page's parameters (with overrides), for links. */
export function promptLogQueryString(query: Partial<PromptLogQuery>, overrides: Partial<PromptLogQuery> = {}): string {
  const merged = { ...query, ...overrides };
  const out = new URLSearchParams();
  for (const key of ["q", "prompt", "version", "model", "agent", "team", "from", "to", "cursor"] as const) {
    const value = merged[key];
    if (value !== undefined && value !== "") out.set(key, String(value));
  }
  return out.toString();
}
