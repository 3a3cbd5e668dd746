/**
 * The native ingestion batch (`POST /api/v1/ingest`): runs, steps and
 * evaluations, with the field names of the run detail API. Each item is
 * validated on its own, so one bad item is reported and the rest stored.
 * Every bound is a column's (int4 tokens and versions, Decimal(20,9) costs,
 * indexed names), the same as the OTLP mapping's; what no column can hold
 * (NUL, lone surrogates, JSON too deep) is checked before the schema (native.ts).
 */
import { z } from "zod";
import { OUTCOMES, RUN_STATUSES, STEP_STATUSES } from "@/lib/enums";
import { EARLIEST_TIME_MS, MAX_CLOCK_SKEW_MS, MAX_LABEL_LENGTH, MAX_PROMPT_VERSION, MAX_SPAN_COST_USD, MAX_TOKENS } from "./mapping";
import { STEP_KINDS } from "./types";

const hex = (length: number, what: string) =>
  z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `${what} must be ${length} hex characters`))
    .refine((v) => !/^0+$/.test(v), `${what} must not be all zeros`);

export const traceIdSchema = hex(32, "traceId");
export const spanIdSchema = hex(16, "spanId");

const time = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v))
  .refine((d) => d.getTime() >= EARLIEST_TIME_MS, "must not be before the year 2000")
  .refine((d) => d.getTime() <= Date.now() + MAX_CLOCK_SKEW_MS, "must not be in the future");

const tokenCount = z.number().int().min(0).max(MAX_TOKENS);
const name = z.string().trim().min(1).max(512);
const label = z.string().trim().min(1).max(MAX_LABEL_LENGTH);
const lowerEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(values));

/** Any JSON value (arguments, results, messages). */
const json: z.ZodType<unknown> = z.unknown().refine((v) => v !== undefined, "required");

export const nativeRunSchema = z.object({
  traceId: traceIdSchema,
  name: name.optional(),
  agent: label.optional(),
  team: label.optional(),
  status: lowerEnum(RUN_STATUSES).optional(),
  outcome: lowerEnum(OUTCOMES).optional(),
  outcomeImpact: z.string().max(2000).optional(),
  conversationId: label.optional(),
  startedAt: time,
  endedAt: time.optional(),
});

export const nativeStepSchema = z
  .object({
    traceId: traceIdSchema,
    spanId: spanIdSchema,
    parentSpanId: spanIdSchema.nullish(),
    kind: lowerEnum(STEP_KINDS),
    name,
    status: lowerEnum(STEP_STATUSES).default("OK"),
    error: z.string().max(10_000).nullish(),
    startedAt: time,
    endedAt: time.nullish(),
    model: label.nullish(),
    provider: label.nullish(),
    inputTokens: tokenCount.nullish(),
    outputTokens: tokenCount.nullish(),
    cachedInputTokens: tokenCount.nullish(),
    costUsd: z.number().min(0).max(MAX_SPAN_COST_USD).nullish(),
    promptName: label.nullish(),
    promptVersion: z.number().int().min(1).max(MAX_PROMPT_VERSION).nullish(),
    tool: label.nullish(),
    arguments: json.nullish(),
    result: json.nullish(),
    decision: z
      .object({
        chosen: z.string().min(1),
        rationale: z.string().nullish(),
        alternatives: z.array(json).default([]),
        confidence: z.number().min(0).max(1).nullish(),
      })
      .nullish(),
    inputMessages: json.nullish(),
    outputMessages: json.nullish(),
    attributes: z.record(z.string(), json).default({}),
    agent: label.nullish(),
    team: label.nullish(),
    conversationId: label.nullish(),
  })
  .refine((s) => !s.endedAt || s.endedAt >= s.startedAt, { message: "endedAt must not be before startedAt", path: ["endedAt"] });

export const nativeEvaluationSchema = z.object({
  traceId: traceIdSchema,
  spanId: spanIdSchema.optional(),
  kind: lowerEnum(["OUTPUT", "OUTCOME"]).optional(),
  source: lowerEnum(["HUMAN", "HEURISTIC", "JUDGE", "EXTERNAL"]).default("EXTERNAL"),
  name,
  score: z.number().min(0).max(1).nullish(),
  passed: z.boolean().nullish(),
  label: z.string().max(200).nullish(),
  comment: z.string().max(10_000).nullish(),
});

export type NativeRun = z.infer<typeof nativeRunSchema>;
export type NativeStep = z.infer<typeof nativeStepSchema>;
export type NativeEvaluation = z.infer<typeof nativeEvaluationSchema>;

/** The batch's envelope; items are validated one by one afterwards. */
export const nativeBatchSchema = z
  .object({
    runs: z.array(z.unknown()).max(10_000).optional(),
    steps: z.array(z.unknown()).max(10_000).optional(),
    evaluations: z.array(z.unknown()).max(10_000).optional(),
  })
  .refine((b) => b.runs?.length || b.steps?.length || b.evaluations?.length, "send at least one of runs, steps or evaluations");

// The ingestion routes' answers, as documentation (the OpenAPI document is generated
// from them) and output types; never parsed at runtime, so the hot path pays nothing.

const itemCounts = z.object({ runs: z.number().int(), steps: z.number().int(), evaluations: z.number().int() });

/** The answer of POST /api/v1/ingest (NativeIngestResult in native.ts). */
export const nativeIngestResultSchema = z.object({
  accepted: itemCounts,
  storedSteps: z.number().int().meta({ description: "Accepted steps that were new (the rest were re-sent)." }),
  duplicateSteps: z.number().int(),
  rejected: itemCounts,
  errors: z.array(
    z.object({
      item: z.enum(["runs", "steps", "evaluations"]),
      index: z.number().int(),
      path: z.string(),
      message: z.string(),
    }),
  ),
});

/** ExportTraceServiceResponse as OTLP/JSON: `partialSuccess` only when spans were rejected. */
export const otlpExportResponseSchema = z.object({
  partialSuccess: z
    .object({
      rejectedSpans: z.string().meta({ description: "int64 as a string (OTLP/JSON)." }),
      errorMessage: z.string(),
    })
    .optional(),
});
