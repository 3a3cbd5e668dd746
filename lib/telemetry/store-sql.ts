/**
 * The statements of the ingestion hot path (store.ts), each taking ONE jsonb
 * payload expanded by `jsonb_to_recordset` (lib/db/bulk.ts).
 *
 * RUN_UPSERT: a new run is written once, with its totals; an existing one gets
 * them added (corrected by TOTALS_CORRECTION for steps the insert skips as
 * already stored), with LEAST/GREATEST times, so children before parents, or
 * one trace spread over many requests and instances, end in the same run. Its
 * status only moves when its root span arrives, or between RUNNING and
 * ESCALATED; a stalled run that receives a step recent enough goes back to
 * RUNNING (flagStall stays). Rows are locked in trace id order (ORDER BY), so
 * concurrent requests cannot deadlock.
 *
 * A re-sent root span is not a new root: when the batch's root span
 * (`rootSpanId`) is already stored, the STEP_INSERT after this statement will
 * skip it, so the run keeps its name, status, end and agent (`rootEndedAt` is
 * NULL and the fields keyed on the end stay; the fold's root status becomes
 * RUNNING, which moves nothing on an ended run). The check is one probe of the
 * (traceId, spanId) index per root (about one span in twenty) inside this
 * statement: no extra round trip on the hot path. Two requests carrying the
 * same new root at the same instant both apply it; they carry the same span.
 * Telemetry's outcome gets `outcomeSource` EXTERNAL and never replaces a HUMAN one.
 *
 * STEP_INSERT: idempotent on (traceId, spanId); answers one row, how many were
 * inserted and their ids only when some were skipped (instead of 1,000
 * RETURNING rows per batch to receive and parse). A JSON null becomes SQL NULL.
 * jsonb, not json: the document is parsed once and its nested values become
 * the jsonb columns as they are.
 */
import { DEFAULT_STALL_MINUTES } from "@/lib/runs/stalls";

export const RUN_UPSERT = `WITH v AS (
    SELECT v.*, CASE WHEN v."rootSpanId" IS NOT NULL
                       AND EXISTS (SELECT 1 FROM "Step" s WHERE s."traceId" = v."traceId" AND s."spanId" = v."rootSpanId")
                     THEN NULL ELSE v."endedAt" END AS "rootEndedAt"
    FROM jsonb_to_recordset($1::jsonb) AS v(id text, "traceId" text, name text, "agentId" text, "teamId" text, "conversationId" text,
         status text, "startedAt" timestamp(3), "endedAt" timestamp(3), "lastStepAt" timestamp(3), outcome text, "outcomeImpact" text,
         "flagEscalated" boolean, "flagLoop" boolean, "flagToolFailure" boolean, "inputTokens" int8, "outputTokens" int8,
         "cachedInputTokens" int8, "costNano" int8, "stepCount" int4, "failedStepCount" int4, "unpricedCount" int4, "rootSpanId" text))
  INSERT INTO "Run" (id, "traceId", name, "agentId", "teamId", "conversationId", status, "startedAt", "endedAt",
                       "lastStepAt", outcome, "outcomeImpact", "outcomeSource", "flagEscalated", "flagLoop", "flagToolFailure", "inputTokens",
                       "outputTokens", "cachedInputTokens", "costUsd", "stepCount", "failedStepCount", "unpricedCount", "updatedAt")
    SELECT id, "traceId", name, "agentId", "teamId", "conversationId",
           (CASE WHEN "rootEndedAt" IS NULL AND "endedAt" IS NOT NULL THEN 'RUNNING' ELSE status END)::"RunStatus", "startedAt",
           "rootEndedAt", "lastStepAt", outcome::"Outcome", "outcomeImpact",
           (CASE WHEN outcome <> 'UNKNOWN' OR "outcomeImpact" IS NOT NULL THEN 'EXTERNAL' END)::"EvaluationSource",
           "flagEscalated", "flagLoop", "flagToolFailure", "inputTokens",
           "outputTokens", "cachedInputTokens", "costNano"::numeric / 1000000000, "stepCount", "failedStepCount", "unpricedCount", now()
    FROM v
    ORDER BY "traceId"
    ON CONFLICT ("traceId") DO UPDATE SET
      "startedAt" = LEAST("Run"."startedAt", EXCLUDED."startedAt"),
      "lastStepAt" = GREATEST("Run"."lastStepAt", EXCLUDED."lastStepAt"),
      name = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN EXCLUDED.name ELSE "Run".name END,
      "endedAt" = COALESCE(EXCLUDED."endedAt", "Run"."endedAt"),
      status = CASE
        WHEN EXCLUDED."endedAt" IS NOT NULL THEN EXCLUDED.status
        WHEN "Run"."endedAt" IS NOT NULL THEN "Run".status
        WHEN EXCLUDED.status = 'ESCALATED' AND "Run".status IN ('RUNNING', 'ESCALATED', 'STALLED')
             AND EXCLUDED."lastStepAt" >= "Run"."lastStepAt" THEN 'ESCALATED'
        WHEN "Run".status = 'ESCALATED' AND EXCLUDED.status = 'RUNNING' AND EXCLUDED."lastStepAt" > "Run"."lastStepAt" THEN 'RUNNING'
        WHEN "Run".status = 'STALLED' AND GREATEST("Run"."lastStepAt", EXCLUDED."lastStepAt") >= (now() AT TIME ZONE 'UTC')
             - make_interval(mins => COALESCE((SELECT a."stallThresholdMinutes" FROM "Agent" a
                                               WHERE a.id = COALESCE("Run"."agentId", EXCLUDED."agentId")), ${DEFAULT_STALL_MINUTES}))
             THEN 'RUNNING'
        ELSE "Run".status END,
      "agentId" = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN COALESCE(EXCLUDED."agentId", "Run"."agentId")
                       ELSE COALESCE("Run"."agentId", EXCLUDED."agentId") END,
      "teamId" = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN COALESCE(EXCLUDED."teamId", "Run"."teamId")
                      ELSE COALESCE("Run"."teamId", EXCLUDED."teamId") END,
      "conversationId" = COALESCE("Run"."conversationId", EXCLUDED."conversationId"),
      -- A person's outcome (outcomeSource HUMAN, lib/evaluations/commands.ts) is never replaced by telemetry.
      outcome = CASE WHEN "Run"."outcomeSource" = 'HUMAN' OR EXCLUDED.outcome = 'UNKNOWN' THEN "Run".outcome ELSE EXCLUDED.outcome END,
      "outcomeImpact" = CASE WHEN "Run"."outcomeSource" = 'HUMAN' THEN "Run"."outcomeImpact"
                             ELSE COALESCE(EXCLUDED."outcomeImpact", "Run"."outcomeImpact") END,
      "outcomeSource" = CASE WHEN "Run"."outcomeSource" = 'HUMAN' THEN "Run"."outcomeSource"
                             ELSE COALESCE(EXCLUDED."outcomeSource", "Run"."outcomeSource") END,
      "flagEscalated" = "Run"."flagEscalated" OR EXCLUDED."flagEscalated",
      "inputTokens" = "Run"."inputTokens" + EXCLUDED."inputTokens",
      "outputTokens" = "Run"."outputTokens" + EXCLUDED."outputTokens",
      "cachedInputTokens" = "Run"."cachedInputTokens" + EXCLUDED."cachedInputTokens",
      "costUsd" = "Run"."costUsd" + EXCLUDED."costUsd",
      "stepCount" = "Run"."stepCount" + EXCLUDED."stepCount",
      "failedStepCount" = "Run"."failedStepCount" + EXCLUDED."failedStepCount",
      "unpricedCount" = "Run"."unpricedCount" + EXCLUDED."unpricedCount",
      -- A tool failure among skipped (already stored) steps already set it when it was stored.
      "flagToolFailure" = "Run"."flagToolFailure" OR EXCLUDED."flagToolFailure",
      "updatedAt" = now()
    RETURNING id, "traceId", (xmax = 0) AS inserted`;

export const STEP_INSERT = `WITH ins AS (
    INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt",
                        model, provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName",
                        "promptVersion", tool, arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions,
                        "flagLoop")
    SELECT id, "runId", "traceId", "spanId", "parentSpanId", kind::"StepKind", name, status::"StepStatus", error, "startedAt",
           "endedAt", model, provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName",
           "promptVersion", tool, arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions, "flagLoop"
    FROM jsonb_to_recordset($1::jsonb) AS s(id text, "runId" text, "traceId" text, "spanId" text, "parentSpanId" text, kind text,
           name text, status text, error text, "startedAt" timestamp(3), "endedAt" timestamp(3), model text, provider text,
           "inputTokens" int4, "outputTokens" int4, "cachedInputTokens" int4, "costUsd" numeric, unpriced boolean, "promptName" text,
           "promptVersion" int4, tool text, arguments jsonb, result jsonb, decision jsonb, "inputMessages" jsonb,
           "outputMessages" jsonb, attributes jsonb, redactions int4, "flagLoop" boolean)
    ON CONFLICT ("traceId", "spanId") DO NOTHING
    RETURNING id)
    SELECT count(*)::int AS stored, CASE WHEN count(*) < $2 THEN COALESCE(array_agg(id), '{}') END AS ids FROM ins`;

export const TOTALS_CORRECTION = `UPDATE "Run" r SET
        "inputTokens" = r."inputTokens" - v."inputTokens",
        "outputTokens" = r."outputTokens" - v."outputTokens",
        "cachedInputTokens" = r."cachedInputTokens" - v."cachedInputTokens",
        "costUsd" = r."costUsd" - v."costNano"::numeric / 1000000000,
        "stepCount" = r."stepCount" - v."stepCount",
        "failedStepCount" = r."failedStepCount" - v."failedStepCount",
        "unpricedCount" = r."unpricedCount" - v."unpricedCount"
      FROM jsonb_to_recordset($1::jsonb) AS v(id text, "inputTokens" int8, "outputTokens" int8, "cachedInputTokens" int8,
           "costNano" int8, "stepCount" int4, "failedStepCount" int4, "unpricedCount" int4)
      WHERE r.id = v.id`;
