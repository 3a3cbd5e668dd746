/** OpenAPI: telemetry ingestion (OTLP/HTTP, native batch) and the runs read API. */
import type { OpenApiFragment } from "./types";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, content: { "application/json": { schema: ref("Error") } } });
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, "null"], ...extra });
const hex = (length: number) => ({ type: "string", pattern: `^[0-9a-f]{${length}}$` });
const time = { type: "string", format: "date-time" };
const anyJson = { description: "Any JSON value." };

const stepKinds = ["LLM_CALL", "TOOL_CALL", "DECISION", "STATE_TRANSITION", "AGENT", "ESCALATION", "OTHER"];
const runStatuses = ["running", "succeeded", "failed", "escalated", "stalled"];

const decision = {
  type: "object",
  required: ["chosen"],
  properties: {
    chosen: { type: "string" },
    rationale: nullable("string"),
    alternatives: { type: "array", items: anyJson },
    confidence: nullable("number", { minimum: 0, maximum: 1 }),
  },
};

const totals = {
  type: "object",
  required: ["inputTokens", "outputTokens", "cachedInputTokens", "costUsd", "steps"],
  properties: {
    inputTokens: { type: "integer" },
    outputTokens: { type: "integer" },
    cachedInputTokens: { type: "integer" },
    costUsd: { type: "number", description: "Sum of priced steps; see flags.unpriced for steps without a price." },
    steps: { type: "integer" },
  },
};

const flags = {
  type: "object",
  required: ["loop", "stall", "toolFailure", "unpriced", "escalated"],
  properties: {
    loop: { type: "boolean" },
    stall: { type: "boolean" },
    toolFailure: { type: "boolean" },
    unpriced: { type: "boolean", description: "Some LLM calls had no price: their cost is unknown, not $0." },
    escalated: { type: "boolean" },
  },
};

const runSummary = {
  type: "object",
  required: ["id", "traceId", "agent", "team", "status", "startedAt", "endedAt", "totals", "flags"],
  properties: {
    id: { type: "string" },
    traceId: hex(32),
    name: nullable("string", { description: "The root span's name (null until it arrives)." }),
    agent: nullable("string"),
    team: nullable("string"),
    status: { type: "string", enum: runStatuses },
    outcome: { type: "string", enum: ["success", "failure", "unknown"] },
    startedAt: time,
    endedAt: nullable("string", { format: "date-time" }),
    totals: ref("RunTotals"),
    flags: ref("RunFlags"),
  },
};

const step = {
  type: "object",
  properties: {
    id: { type: "string" },
    spanId: hex(16),
    parentSpanId: nullable("string"),
    kind: { type: "string", enum: stepKinds },
    name: { type: "string" },
    status: { type: "string", enum: ["ok", "failed"] },
    error: nullable("string"),
    startedAt: time,
    endedAt: nullable("string", { format: "date-time" }),
    model: nullable("string"),
    provider: nullable("string"),
    inputTokens: nullable("integer"),
    outputTokens: nullable("integer"),
    cachedInputTokens: nullable("integer"),
    costUsd: nullable("number", { description: "null when unpriced (or not an LLM call)." }),
    unpriced: { type: "boolean" },
    promptName: nullable("string"),
    promptVersion: nullable("integer"),
    tool: nullable("string"),
    arguments: anyJson,
    result: anyJson,
    decision: { oneOf: [ref("Decision"), { type: "null" }] },
    inputMessages: anyJson,
    outputMessages: anyJson,
    attributes: { type: "object", description: "Span attributes the mapping did not use; `flightdeck.state.from/to/reason` for state transitions; `otel.events` for other span events." },
    redactions: { type: "integer", description: "Values replaced by redaction markers before storage." },
  },
};

const nativeStep = {
  type: "object",
  required: ["traceId", "spanId", "kind", "name", "startedAt"],
  properties: {
    traceId: hex(32),
    spanId: hex(16),
    parentSpanId: nullable("string", { pattern: "^[0-9a-f]{16}$" }),
    kind: { type: "string", enum: stepKinds, description: "Case-insensitive." },
    name: { type: "string", maxLength: 512 },
    status: { type: "string", enum: ["ok", "failed"], default: "ok" },
    error: nullable("string"),
    startedAt: time,
    endedAt: nullable("string", { format: "date-time" }),
    model: nullable("string"),
    provider: nullable("string"),
    inputTokens: nullable("integer", { minimum: 0 }),
    outputTokens: nullable("integer", { minimum: 0 }),
    cachedInputTokens: nullable("integer", { minimum: 0 }),
    costUsd: nullable("number", { minimum: 0, description: "A cost you computed; wins over the price table." }),
    promptName: nullable("string"),
    promptVersion: nullable("integer", { minimum: 1 }),
    tool: nullable("string"),
    arguments: anyJson,
    result: anyJson,
    decision: { oneOf: [ref("Decision"), { type: "null" }] },
    inputMessages: anyJson,
    outputMessages: anyJson,
    attributes: { type: "object" },
    agent: nullable("string", { description: "Created on first sight." }),
    team: nullable("string", { description: "Created on first sight." }),
    conversationId: nullable("string"),
  },
};

const nativeRun = {
  type: "object",
  required: ["traceId", "startedAt"],
  properties: {
    traceId: hex(32),
    name: { type: "string" },
    agent: { type: "string" },
    team: { type: "string" },
    status: { type: "string", enum: runStatuses },
    outcome: { type: "string", enum: ["success", "failure", "unknown"] },
    outcomeImpact: { type: "string" },
    conversationId: { type: "string" },
    startedAt: time,
    endedAt: time,
  },
};

const nativeEvaluation = {
  type: "object",
  required: ["traceId", "name"],
  properties: {
    traceId: hex(32),
    spanId: { ...hex(16), description: "Scores that step's output; without it the evaluation is on the run's outcome." },
    kind: { type: "string", enum: ["output", "outcome"] },
    source: { type: "string", enum: ["human", "heuristic", "judge", "external"], default: "external" },
    name: { type: "string" },
    score: nullable("number", { minimum: 0, maximum: 1 }),
    passed: nullable("boolean"),
    label: nullable("string"),
    comment: nullable("string"),
  },
};

const otlpDescription = `OTLP/HTTP trace export, as OpenTelemetry exporters send it (point them at \`<origin>/api/otel\`).
Bodies: \`application/x-protobuf\` or \`application/json\` (OTLP/JSON), optionally \`Content-Encoding: gzip\`; at most
INGEST_MAX_BODY_BYTES before and after decompression. A trace becomes a run, a span a step (unique on trace id + span id:
re-sent spans are stored and counted once). Mapped attributes: the OpenTelemetry GenAI conventions
(\`gen_ai.operation.name\` chat/text_completion/generate_content/embeddings → LLM_CALL, execute_tool → TOOL_CALL,
invoke_agent/create_agent → AGENT; \`gen_ai.request.model\`, \`gen_ai.response.model\`, \`gen_ai.provider.name\`/\`gen_ai.system\`,
\`gen_ai.usage.input_tokens\`/\`prompt_tokens\`, \`gen_ai.usage.output_tokens\`/\`completion_tokens\`,
\`gen_ai.usage.cache_read.input_tokens\`, \`gen_ai.agent.name\` (else resource \`service.name\`), \`gen_ai.conversation.id\`,
\`gen_ai.tool.name\`, \`gen_ai.tool.call.arguments\`, \`gen_ai.tool.call.result\`, \`gen_ai.input.messages\`,
\`gen_ai.output.messages\` or the message events, legacy \`gen_ai.prompt\`/\`gen_ai.completion\`, \`error.type\`), OpenInference
(\`openinference.span.kind\`, \`llm.model_name\`, \`llm.token_count.*\`, \`llm.input_messages.*\`), and \`flightdeck.*\`:
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
              "application/json": { schema: ref("ExportTraceServiceResponse") },
              "application/x-protobuf": { schema: { type: "string", format: "binary" } },
            },
          },
          "400": error("Malformed protobuf, JSON, gzip or OTLP structure."),
          "401": error("Missing or invalid API key."),
          "403": error("The key lacks the `ingest` scope."),
          "413": error("Body over INGEST_MAX_BODY_BYTES (compressed or decompressed)."),
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
        requestBody: { required: true, content: { "application/json": { schema: ref("IngestBatch") } } },
        responses: {
          "200": { description: "What was stored and what was rejected.", content: { "application/json": { schema: ref("IngestResult") } } },
          "400": error("Not JSON, or not an object with `runs`, `steps` and/or `evaluations` arrays."),
          "401": error("Missing or invalid API key."),
          "403": error("The key lacks the `ingest` scope."),
          "413": error("Body over INGEST_MAX_BODY_BYTES."),
          "415": error("Content-Type is not application/json."),
        },
      },
    },
    "/api/v1/runs": {
      get: {
        tags: ["runs"],
        summary: "List runs, newest first",
        "x-required-scope": "runs:read",
        parameters: [
          { name: "traceId", in: "query", schema: hex(32) },
          { name: "agent", in: "query", schema: { type: "string" }, description: "Agent name." },
          { name: "status", in: "query", schema: { type: "string", enum: runStatuses } },
          { name: "from", in: "query", schema: { type: "string", format: "date-time" }, description: "Started at or after (ISO date or date-time)." },
          { name: "to", in: "query", schema: { type: "string", format: "date-time" }, description: "Started before." },
          { name: "cursor", in: "query", schema: { type: "string" }, description: "`nextCursor` of the previous page." },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 200, default: 50 } },
        ],
        responses: {
          "200": {
            description: "A page of runs.",
            content: {
              "application/json": {
                schema: { type: "object", required: ["data", "nextCursor"], properties: { data: { type: "array", items: ref("RunSummary") }, nextCursor: nullable("string") } },
              },
            },
          },
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
          "200": { description: "The run.", content: { "application/json": { schema: ref("RunDetail") } } },
          "400": error("Malformed id."),
          "401": error("Missing or invalid API key."),
          "403": error("The key lacks the `runs:read` scope."),
          "404": error("No such run."),
        },
      },
    },
  },
  schemas: {
    ExportTraceServiceResponse: {
      type: "object",
      properties: {
        partialSuccess: {
          type: "object",
          properties: { rejectedSpans: { type: "string", description: "int64 as a string (OTLP/JSON)." }, errorMessage: { type: "string" } },
        },
      },
    },
    Decision: decision,
    RunTotals: totals,
    RunFlags: flags,
    RunSummary: runSummary,
    Step: step,
    RunDetail: {
      allOf: [
        ref("RunSummary"),
        {
          type: "object",
          required: ["steps"],
          properties: {
            conversationId: nullable("string"),
            outcomeImpact: nullable("string"),
            outputScore: nullable("number"),
            lastStepAt: time,
            steps: { type: "array", items: ref("Step") },
          },
        },
      ],
    },
    IngestBatch: {
      type: "object",
      properties: {
        runs: { type: "array", items: ref("IngestRun"), maxItems: 10000 },
        steps: { type: "array", items: ref("IngestStep"), maxItems: 10000 },
        evaluations: { type: "array", items: ref("IngestEvaluation"), maxItems: 10000 },
      },
    },
    IngestRun: nativeRun,
    IngestStep: nativeStep,
    IngestEvaluation: nativeEvaluation,
    IngestResult: {
      type: "object",
      properties: {
        accepted: { type: "object", properties: { runs: { type: "integer" }, steps: { type: "integer" }, evaluations: { type: "integer" } } },
        storedSteps: { type: "integer", description: "Accepted steps that were new (the rest were re-sent)." },
        duplicateSteps: { type: "integer" },
        rejected: { type: "object", properties: { runs: { type: "integer" }, steps: { type: "integer" }, evaluations: { type: "integer" } } },
        errors: {
          type: "array",
          items: {
            type: "object",
            properties: { item: { type: "string", enum: ["runs", "steps", "evaluations"] }, index: { type: "integer" }, path: { type: "string" }, message: { type: "string" } },
          },
        },
      },
    },
  },
};
