/** OpenAPI: telemetry ingestion (OTLP/HTTP, native batch) and the runs read API. */
import { z } from "zod";
import { runListQuerySchema } from "@/lib/runs/api-queries";
import { runDetailSchema, runFlagsSchema, runListItemSchema, runListPageSchema, runStepSchema, runTotalsSchema, stepDecisionSchema } from "@/lib/runs/schemas";
import {
  nativeEvaluationSchema,
  nativeIngestResultSchema,
  nativeRunSchema,
  nativeStepSchema,
  otlpExportResponseSchema,
} from "@/lib/telemetry/schemas";
import { ledgerAnswerSchema, ledgerQuerySchema } from "@/lib/telemetry/ledger";
import { annotate, componentRef, errorResponse as error, jsonContent, queryParameters } from "./schema";
import type { OpenApiFragment } from "./types";

annotate(nativeStepSchema.shape.costUsd, { description: "A cost you computed; wins over the price table." });
annotate(nativeStepSchema.shape.agent, { description: "Created on first sight." });
annotate(nativeStepSchema.shape.team, { description: "Created on first sight." });
annotate(nativeEvaluationSchema.shape.source, {
  description: "`human` is refused (a person's judgement is recorded in the console); a re-sent evaluation (same key, trace, span, name and source) is recognised and stored once.",
});
annotate(nativeEvaluationSchema.shape.spanId, { description: "Scores that step's output; without it the evaluation is on the run's outcome." });

/**
 * The batch as a client writes it. The handler parses the envelope with
 * nativeBatchSchema (items as unknown) and each item on its own, so that one
 * bad item is reported rather than failing the batch; documented here as one.
 */
const ingestBatchSchema = z.object({
  runs: z.array(nativeRunSchema).max(10_000).optional(),
  steps: z.array(nativeStepSchema).max(10_000).optional(),
  evaluations: z.array(nativeEvaluationSchema).max(10_000).optional(),
});

const otlpDescription = `OTLP/HTTP trace export, as OpenTelemetry exporters send it (point them at \`<origin>/api/otel\`).
Bodies: \`application/x-protobuf\` or \`application/json\` (OTLP/JSON), optionally \`Content-Encoding: gzip\`; at most
INGEST_MAX_BODY_BYTES before and after decompression. A trace becomes a run, a span a step (unique on trace id + span id:
re-sent spans are stored and counted once). Mapped attributes: the OpenTelemetry GenAI conventions
(\`gen_ai.operation.name\` chat/text_completion/generate_content/embeddings → LLM_CALL, execute_tool → TOOL_CALL,
invoke_agent/create_agent → AGENT; \`gen_ai.request.model\`, \`gen_ai.response.model\`, \`gen_ai.provider.name\`/\`gen_ai.system\`,
\`gen_ai.usage.input_tokens\`/\`prompt_tokens\`, \`gen_ai.usage.output_tokens\`/\`completion_tokens\`,
\`gen_ai.usage.cache_read.input_tokens\`, \`gen_ai.agent.name\` (an explicit agent name from any source below wins; else resource \`service.name\`), \`gen_ai.conversation.id\`,
\`gen_ai.tool.name\`, \`gen_ai.tool.call.arguments\`, \`gen_ai.tool.call.result\`, \`gen_ai.input.messages\`,
\`gen_ai.output.messages\` or the message events, legacy \`gen_ai.prompt\`/\`gen_ai.completion\`, \`error.type\`), OpenInference
(\`openinference.span.kind\`, \`agent.name\`, \`llm.model_name\`, \`llm.token_count.*\`, \`llm.input_messages.*\` with nested tool calls, a tool's
arguments from \`input.value\`), the Vercel AI SDK's telemetry (\`ai.*\`: \`.doGenerate\`/\`.doStream\` → LLM_CALL, \`ai.toolCall\` → TOOL_CALL,
\`ai.usage.*\` with cached input tokens, \`ai.prompt.messages\`, \`ai.response.*\`, \`ai.telemetry.functionId\` as the agent,
\`ai.telemetry.metadata.*\` as run fields), OpenLLMetry (\`traceloop.*\`), GenAI \`apply_guardrail\` spans and \`gen_ai.guardrail.result\` events
(→ DECISION), \`gen_ai.tool.call.decision\`, \`gen_ai.evaluation.result\` events (→ evaluations of the step), and \`flightdeck.*\`:
\`flightdeck.decision.chosen\`/\`.rationale\`/\`.alternatives\`/\`.confidence\` (→ DECISION), \`flightdeck.state.from\`/\`.to\`/\`.reason\`
(→ STATE_TRANSITION), \`flightdeck.step.kind\` (explicit kind), \`flightdeck.team\`, \`flightdeck.prompt.name\`/\`.version\`,
\`flightdeck.run.outcome\` (success|failure|unknown), \`flightdeck.run.outcome_impact\`, \`flightdeck.cost_usd\` or
\`gen_ai.usage.cost\` (a cost that wins over the price table). The root span (no parent) names and ends the run.
Spans that cannot be stored (bad ids, no start time, negative tokens, times before 2000 or more than a day ahead, confidence
outside 0..1…) are rejected one by one in \`partialSuccess\`; the others are stored.`;

export const telemetryApi: OpenApiFragment = {
  paths: {
    "/api/otel/v1/traces": {
      post: {
        tags: ["telemetry"],
        summary: "Receive OpenTelemetry traces (OTLP/HTTP)",
        description: otlpDescription,
        "x-required-scope": "ingest",
        requestBody: {
          required: true,
          content: {
            "application/x-protobuf": { schema: { type: "string", format: "binary", description: "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest" } },
            "application/json": { schema: { type: "object", properties: { resourceSpans: { type: "array", items: { type: "object" } } } } },
          },
        },
        responses: {
          "200": {
            description: "ExportTraceServiceResponse in the request's encoding; `partialSuccess` only when spans were rejected.",
            content: {
              "application/json": { schema: componentRef("ExportTraceServiceResponse") },
              "application/x-protobuf": { schema: { type: "string", format: "binary" } },
            },
          },
          "400": error("Malformed protobuf, JSON, gzip or OTLP structure."),
          "401": error("Missing or invalid API key."),
          "403": error("The key lacks the `ingest` scope."),
          "413": error("Body over INGEST_MAX_BODY_BYTES (compressed or decompressed)."),
          "429": error(
            "The server holds INGEST_MAX_INFLIGHT_BYTES of ingestion bodies already (`rate_limited:ingest_inflight`); retry after `Retry-After` seconds (OTLP exporters do).",
          ),
          "415": error("Content-Type other than application/x-protobuf or application/json, or an encoding other than gzip."),
        },
      },
    },
    "/api/v1/ingest": {
      post: {
        tags: ["telemetry"],
        summary: "Native batch ingestion: runs, steps, evaluations",
        description:
          "One request is one transaction. Each item is validated on its own: invalid items are listed in `errors` (by array and index) and the valid ones stored. Steps follow the same rules as OTLP spans (idempotent on traceId + spanId, cost from the price table unless `costUsd` is given, totals and spend rollup). Run items set run fields explicitly and win over what the root step implies.",
        "x-required-scope": "ingest",
        requestBody: { required: true, content: jsonContent(componentRef("IngestBatch")) },
        responses: {
          "200": { description: "What was stored and what was rejected.", content: jsonContent(componentRef("IngestResult")) },
          "400": error("Not JSON, or not an object with `runs`, `steps` and/or `evaluations` arrays."),
          "401": error("Missing or invalid API key."),
          "403": error("The key lacks the `ingest` scope."),
          "413": error("Body over INGEST_MAX_BODY_BYTES."),
          "429": error(
            "The server holds INGEST_MAX_INFLIGHT_BYTES of ingestion bodies already (`rate_limited:ingest_inflight`); retry after `Retry-After` seconds (OTLP exporters do).",
          ),
          "415": error("Content-Type is not application/json."),
        },
      },
    },
    "/api/v1/ingest/ledger": {
      get: {
        tags: ["telemetry"],
        summary: "The ingestion ledger: what a key sent, per minute, hour or day",
        description:
          "Requests, spans received, accepted (new or re-sent), duplicate and rejected, and runs created, summed over sources. Keys without traffic in a bucket have no bucket. In-process senders (the demo) appear as `system:<name>`.",
        "x-required-scope": "admin",
        parameters: queryParameters(ledgerQuerySchema),
        responses: {
          "200": { description: "Totals and buckets.", content: jsonContent(componentRef("IngestLedger")) },
          "400": error("A malformed date, `from` not before `to`, or too many buckets (`bad_request:ingest_ledger_query`)."),
          "401": error("Missing or invalid API key."),
          "403": error("The key lacks the `admin` scope."),
        },
      },
    },
    "/api/v1/runs": {
      get: {
        tags: ["runs"],
        summary: "List runs, newest first",
        "x-required-scope": "runs:read",
        parameters: queryParameters(runListQuerySchema, {
          agent: "Agent name.",
          from: "Started at or after (ISO date or date-time).",
          to: "Started before.",
          cursor: "`nextCursor` of the previous page.",
        }),
        responses: {
          "200": { description: "A page of runs.", content: jsonContent(componentRef("RunList")) },
          "400": error("A malformed filter or cursor."),
          "401": error("Missing or invalid API key."),
          "403": error("The key lacks the `runs:read` scope."),
        },
      },
    },
    "/api/v1/runs/{id}": {
      get: {
        tags: ["runs"],
        summary: "One run with its steps, totals and flags",
        "x-required-scope": "runs:read",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" }, description: "The run's id, or its trace id (32 hex characters)." }],
        responses: {
          "200": { description: "The run.", content: jsonContent(componentRef("RunDetail")) },
          "400": error("Malformed id."),
          "401": error("Missing or invalid API key."),
          "403": error("The key lacks the `runs:read` scope."),
          "404": error("No such run."),
        },
      },
    },
  },
  inputs: {
    IngestBatch: ingestBatchSchema,
    IngestRun: nativeRunSchema,
    IngestStep: nativeStepSchema,
    IngestEvaluation: nativeEvaluationSchema,
  },
  outputs: {
    ExportTraceServiceResponse: otlpExportResponseSchema,
    IngestLedger: ledgerAnswerSchema,
    IngestResult: nativeIngestResultSchema,
    Decision: stepDecisionSchema,
    RunTotals: runTotalsSchema,
    RunFlags: runFlagsSchema,
    RunSummary: runListItemSchema,
    RunList: runListPageSchema,
    Step: runStepSchema,
    RunDetail: runDetailSchema,
  },
};
