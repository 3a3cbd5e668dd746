/**
 * The runs list's filters as they travel in the query string, so a filtered
 * view is a shareable URL. Unknown or malformed values are dropped, never an
 * error, and parseRunFilterReport says which so the page can tell the reader.
 */
import { z } from "zod";
import { OUTCOMES, RUN_STATUSES, STEP_KINDS, type OutcomeName, type RunStatusName } from "@/lib/enums";
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

export { RUN_STATUSES };
export type { RunStatusName };

export const RUN_FLAGS = ["toolFailure", "loop", "stall", "escalated", "executedDifferently", "unpriced"] as const;
export type RunFlag = (typeof RUN_FLAGS)[number];

export const FLAG_LABELS: Record<RunFlag, string> = {
  toolFailure: "Tool failure",
  loop: "Loop",
  stall: "Stall",
  escalated: "Escalated",
  executedDifferently: "Executed differently",
  unpriced: "Unpriced",
};

/** Output quality (Run.outputScore ≥ 0.5 is good) against the recorded outcome. */
export const OUTPUT_FILTERS = ["good", "bad", "unscored"] as const;
export const OUTCOME_FILTERS = ["success", "failure", "unknown"] as const;
export const GOOD_OUTPUT_THRESHOLD = 0.5;

export const RUN_SORTS = ["newest", "oldest", "cost", "activity"] as const;
export type RunSort = (typeof RUN_SORTS)[number];
export const SORT_LABELS: Record<RunSort, string> = {
  newest: "Newest first",
  oldest: "Oldest first",
  cost: "Highest cost",
  activity: "Latest activity",
};

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { message: `not one of ${values.join(", ")}` });

/** A repeatable list (`?flag=a&flag=b` or `?flag=a,b`); strict: every entry must be known. */
const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())], { message: `not one of ${values.join(", ")}` })
    .transform((v) => (Array.isArray(v) ? v : v.split(",")).filter(Boolean))
    .pipe(z.array(oneOf(values)))
    .transform((list) => [...new Set(list)]);

/**
 * Each filter on its own, strict: what the page reports as ignored. The
 * cursor's content depends on the sort, so parseRunFilterReport checks it apart.
 */
const runFilterFields = {
  agent: queryText(200),
  team: queryText(200),
  status: oneOf(RUN_STATUSES).optional(),
  flag: listOf(RUN_FLAGS),
  from: queryDate({ withTime: true }),
  to: queryDate({ withTime: true }),
  q: queryText(200),
  output: oneOf(OUTPUT_FILTERS).optional(),
  outcome: oneOf(OUTCOME_FILTERS).optional(),
  prompt: queryText(100),
  model: queryText(200),
  promptVersion: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, "not a version number")
    .optional(),
  sort: oneOf(RUN_SORTS).optional(),
  cursor: queryText(400),
};

/** Lenient: a malformed value is dropped (known flags of a list kept), never an error. */
export const runFilterSchema = z.object({
  agent: runFilterFields.agent.catch(undefined),
  team: runFilterFields.team.catch(undefined),
  status: runFilterFields.status.catch(undefined),
  flag: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => {
      const list = v === undefined ? [] : Array.isArray(v) ? v : v.split(",");
      return [...new Set(list.filter((x): x is RunFlag => (RUN_FLAGS as readonly string[]).includes(x)))];
    })
    .catch([]),
  from: runFilterFields.from.catch(undefined),
  to: runFilterFields.to.catch(undefined),
  q: runFilterFields.q.catch(undefined),
  output: runFilterFields.output.catch(undefined),
  outcome: runFilterFields.outcome.catch(undefined),
  prompt: runFilterFields.prompt.catch(undefined),
  promptVersion: runFilterFields.promptVersion.catch(undefined),
  model: runFilterFields.model.catch(undefined),
  sort: runFilterFields.sort.catch("newest").default("newest"),
  cursor: runFilterFields.cursor.catch(undefined),
});
export type RunFilter = z.infer<typeof runFilterSchema>;

function runFilterInput(params: PageSearchParams) {
  return {
    agent: firstValue(params.agent),
    team: firstValue(params.team),
    status: firstValue(params.status),
    flag: params.flag,
    from: firstValue(params.from),
    to: firstValue(params.to),
    q: firstValue(params.q),
    output: firstValue(params.output),
    outcome: firstValue(params.outcome),
    prompt: firstValue(params.prompt),
    promptVersion: firstValue(params.promptVersion),
    model: firstValue(params.model),
    sort: firstValue(params.sort),
    cursor: firstValue(params.cursor),
  };
}

/** Reads Next's searchParams (a value may repeat) into a filter; bad values are dropped silently. */
export function parseRunFilter(params: PageSearchParams): RunFilter {
  return runFilterSchema.parse(runFilterInput(params));
}

/**
 * A cursor's `[value, id]` as lib/ids.ts decodes it. Passed in rather than
 * imported: lib/ids needs node:crypto, and this module also reaches the browser.
 */
export type CursorDecoder = (cursor: string) => readonly [string | number, string] | null;

/** Whether a decoded cursor's value is what `sort` pages by: a time the database can hold, or a decimal cost. */
function cursorFitsSort(sort: RunSort, value: string | number): boolean {
  if (typeof value !== "string" || value.length > 40) return false;
  if (sort === "cost") return /^-?\d+(\.\d+)?$/.test(value);
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(value) && isCalendarTime(value.slice(0, 19)) && yearInRange(value);
}

/**
 * The filter plus every parameter it dropped, for the page's notice. A cursor
 * must be one this page made for the same sort: a forged one (a time outside
 * PostgreSQL's range, a number where a time belongs) would fail the query.
 */
export function parseRunFilterReport(params: PageSearchParams, decodeCursor: CursorDecoder): { filter: RunFilter; ignored: IgnoredQueryParam[] } {
  const input = runFilterInput(params);
  const filter = runFilterSchema.parse(input);
  const ignored = ignoredParams(runFilterFields, input);
  if (filter.cursor) {
    const decoded = decodeCursor(filter.cursor);
    if (!decoded || !cursorFitsSort(filter.sort, decoded[0])) {
      ignored.push({ name: "cursor", reason: "not a page link of this list (showing the first page)" });
      filter.cursor = undefined;
    }
  }
  return { filter, ignored };
}

/** The query string of a filter (without the cursor unless asked), for links. */
export function runFilterQuery(filter: Partial<RunFilter>, overrides: Partial<RunFilter> = {}): string {
  const merged = { ...filter, ...overrides };
  const query = new URLSearchParams();
  for (const key of ["agent", "team", "status", "from", "to", "q", "output", "outcome", "prompt", "promptVersion", "model"] as const) {
    const value = merged[key];
    if (value) query.set(key, value);
  }
  for (const f of merged.flag ?? []) query.append("flag", f);
  if (merged.sort && merged.sort !== "newest") query.set("sort", merged.sort);
  if (merged.cursor) query.set("cursor", merged.cursor);
  return query.toString();
}

/** UTC instant of a `from`/`to` value; a bare date `to` covers the whole day. */
export function filterInstant(value: string, end: boolean): Date {
  if (value.length === 10) {
    const start = new Date(`${value}T00:00:00Z`);
    return end ? new Date(start.getTime() + 86_400_000) : start;
  }
  return new Date(`${value}Z`);
}

// The runs API's answers (GET /api/v1/runs, GET /api/v1/runs/{id}; DESIGN.md "Field names"):
// documentation (the OpenAPI document is generated from them) and types, never parsed at runtime.

// The API spells the stored enums in lower case.
const apiRunStatuses = RUN_STATUSES.map((s) => s.toLowerCase() as Lowercase<RunStatusName>);
const apiOutcomes = OUTCOMES.map((o) => o.toLowerCase() as Lowercase<OutcomeName>);
const isoTime = z.iso.datetime();

export const runTotalsSchema = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cachedInputTokens: z.number().int(),
  costUsd: z.number().meta({ description: "Sum of priced steps; see flags.unpriced for steps without a price." }),
  steps: z.number().int(),
});

export const runFlagsSchema = z.object({
  loop: z.boolean(),
  stall: z.boolean(),
  toolFailure: z.boolean(),
  unpriced: z.boolean().meta({ description: "Some LLM calls had no price: their cost is unknown, not $0." }),
  escalated: z.boolean(),
  executedDifferently: z.boolean().meta({ description: "A tool call of the run did not execute what its clearance approved (other arguments, a second time, or without approval)." }),
});

export const runListItemSchema = z.object({
  id: z.string(),
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  name: z.string().nullable().meta({ description: "The root span's name (null until it arrives)." }),
  agent: z.string().nullable(),
  team: z.string().nullable(),
  status: z.enum(apiRunStatuses),
  outcome: z.enum(apiOutcomes),
  startedAt: isoTime,
  endedAt: isoTime.nullable(),
  totals: runTotalsSchema,
  flags: runFlagsSchema,
});
export type RunListItemJson = z.output<typeof runListItemSchema>;

export const runListPageSchema = z.object({
  data: z.array(runListItemSchema),
  nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page." }),
});

export const stepDecisionSchema = z.object({
  chosen: z.string(),
  rationale: z.string().nullable(),
  alternatives: z.array(z.unknown()),
  confidence: z.number().min(0).max(1).nullable(),
});

const anyJson = z.unknown().meta({ description: "Any JSON value." });

export const runStepSchema = z.object({
  id: z.string(),
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
  parentSpanId: z.string().nullable(),
  kind: z.enum(STEP_KINDS),
  name: z.string(),
  status: z.enum(["ok", "failed"]),
  error: z.string().nullable(),
  startedAt: isoTime,
  endedAt: isoTime.nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  inputTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  cachedInputTokens: z.number().int().nullable(),
  costUsd: z.number().nullable().meta({ description: "null when unpriced (or not an LLM call)." }),
  unpriced: z.boolean(),
  promptName: z.string().nullable(),
  promptVersion: z.number().int().nullable(),
  tool: z.string().nullable(),
  arguments: anyJson,
  result: anyJson,
  decision: stepDecisionSchema.nullable(),
  inputMessages: anyJson,
  outputMessages: anyJson,
  attributes: z.record(z.string(), z.unknown()).meta({
    description:
      "Span attributes the mapping did not use; `flightdeck.state.from/to/reason` for state transitions; `otel.events` for other span events.",
  }),
  redactions: z.number().int().meta({ description: "Values replaced by redaction markers before storage." }),
  flagLoop: z.boolean().meta({ description: "This call repeats earlier ones of the run (loop detection)." }),
});

export const runDetailSchema = runListItemSchema.extend({
  conversationId: z.string().nullable(),
  outcomeImpact: z.string().nullable(),
  outputScore: z.number().nullable(),
  lastStepAt: isoTime,
  steps: z.array(runStepSchema),
});
