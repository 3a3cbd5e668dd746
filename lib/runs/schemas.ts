/**
 * The runs list's filters as they travel in the query string, so a filtered
 * view is a shareable URL. Unknown or malformed values are dropped, never an error.
 */
import { z } from "zod";
import { OUTCOMES, RUN_STATUSES, STEP_KINDS, type OutcomeName, type RunStatusName } from "@/lib/enums";

export { RUN_STATUSES };
export type { RunStatusName };

export const RUN_FLAGS = ["toolFailure", "loop", "stall", "escalated", "unpriced"] as const;
export type RunFlag = (typeof RUN_FLAGS)[number];

export const FLAG_LABELS: Record<RunFlag, string> = {
  toolFailure: "Tool failure",
  loop: "Loop",
  stall: "Stall",
  escalated: "Escalated",
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

const text = (max: number) => z.string().trim().max(max).optional().catch(undefined).transform((v) => v || undefined);

/** `2026-01-31` or `2026-01-31T14:05` (a datetime-local input), read as UTC. */
const utcTime = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/)
  .optional()
  .catch(undefined)
  .transform((v) => (v && !Number.isNaN(Date.parse(`${v.length === 10 ? `${v}T00:00` : v}Z`)) ? v : undefined));

const oneOrMany = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => {
      const list = v === undefined ? [] : Array.isArray(v) ? v : v.split(",");
      return [...new Set(list.filter((x): x is T[number] => (values as readonly string[]).includes(x)))];
    })
    .catch([]);

export const runFilterSchema = z.object({
  agent: text(200),
  team: text(200),
  status: z.enum(RUN_STATUSES).optional().catch(undefined),
  flag: oneOrMany(RUN_FLAGS),
  from: utcTime,
  to: utcTime,
  q: text(200),
  output: z.enum(OUTPUT_FILTERS).optional().catch(undefined),
  outcome: z.enum(OUTCOME_FILTERS).optional().catch(undefined),
  sort: z.enum(RUN_SORTS).catch("newest").default("newest"),
  cursor: text(400),
});
export type RunFilter = z.infer<typeof runFilterSchema>;

/** Reads Next's searchParams (a value may repeat) into a filter. */
export function parseRunFilter(params: Record<string, string | string[] | undefined>): RunFilter {
  const single = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return runFilterSchema.parse({
    agent: single(params.agent),
    team: single(params.team),
    status: single(params.status),
    flag: params.flag,
    from: single(params.from),
    to: single(params.to),
    q: single(params.q),
    output: single(params.output),
    outcome: single(params.outcome),
    sort: single(params.sort),
    cursor: single(params.cursor),
  });
}

/** The query string of a filter (without the cursor unless asked), for links. */
export function runFilterQuery(filter: Partial<RunFilter>, overrides: Partial<RunFilter> = {}): string {
  const merged = { ...filter, ...overrides };
  const query = new URLSearchParams();
  for (const key of ["agent", "team", "status", "from", "to", "q", "output", "outcome"] as const) {
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
