/** OpenAPI paths of circuit breakers: an agent's breakers, their changes, and the replay against the last 30 days. */
import { breakerCreateBodySchema, breakerPatchBodySchema, breakerReplayBodySchema } from "@/lib/agents/breakers/schemas";
import { annotate, componentRef, errorResponse, jsonContent, type JsonSchema } from "./schema";
import type { OpenApiFragment } from "./types";

annotate(breakerCreateBodySchema, {
  description:
    "A breaker of the agent. `params` by condition: tool_error_rate `{ thresholdPct, window, minSample }` (above thresholdPct % failed over the last `window` tool calls, " +
    "with at least `minSample` calls); loops `{ runs, windowMinutes }` (loops detected in at least `runs` runs within the window); spend_hour `{ limitUsd }`; " +
    "escalations_rejected `{ count }` (rejected that many times in a row); run_duration `{ maxMinutes }` (a run running longer). " +
    "Defaults: mode observe, enabled, coolDownMinutes 15, halfOpen false.",
  examples: [{ name: "tool errors", condition: "tool_error_rate", params: { thresholdPct: 50, window: 20, minSample: 10 }, mode: "enforce", coolDownMinutes: 15, halfOpen: true }],
});
annotate(breakerReplayBodySchema, { examples: [{ breakerId: "cmbreaker0000000000000000" }, { condition: "spend_hour", params: { limitUsd: 25 }, coolDownMinutes: 30 }] });

const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: "null" }] });
const time = (description: string): JsonSchema => nullable({ type: "string", format: "date-time", description });

const breaker: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    agent: { type: "string" },
    name: { type: "string" },
    condition: { enum: ["tool_error_rate", "loops", "spend_hour", "escalations_rejected", "run_duration"] },
    params: { type: "object", description: "The condition's parameters (see BreakerInput)" },
    description: { type: "string", description: "The condition in words" },
    mode: { enum: ["observe", "enforce"], description: "observe records `would_trip` events and notifies; enforce trips the agent" },
    enabled: { type: "boolean" },
    coolDownMinutes: { type: "integer", description: "No second firing before it is over; with halfOpen, the wait before the test" },
    halfOpen: { type: "boolean", description: "After the cool-down, resume the agent for one run: success closes, failure trips again" },
    state: { enum: ["closed", "open", "half_open"] },
    stateChangedAt: time("When the state last changed"),
    lastFiredAt: time("The last trip or would-trip"),
    windowStartedAt: time("Telemetry before this no longer counts (also: the agent's last resume)"),
    threshold: nullable({ type: "number" }),
    value: nullable({ type: "number", description: "The last measured value, in the condition's unit (%, runs, USD, rejections, minutes)" }),
    evaluatedAt: time("When `value` was measured"),
    probeRunId: nullable({ type: "string", description: "The run let through while half-open" }),
    createdAt: { type: "string", format: "date-time" },
    updatedAt: { type: "string", format: "date-time" },
    events: {
      type: "array",
      description: "The latest events, newest first",
      items: {
        type: "object",
        properties: {
          kind: { enum: ["would_trip", "tripped", "half_open", "closed"] },
          value: nullable({ type: "number" }),
          message: { type: "string" },
          runIds: { type: "array", items: { type: "string" } },
          at: { type: "string", format: "date-time" },
        },
      },
    },
  },
  required: ["id", "agent", "name", "condition", "params", "mode", "enabled", "coolDownMinutes", "halfOpen", "state", "events"],
};

const replay: JsonSchema = {
  type: "object",
  properties: {
    days: { type: "integer" },
    from: { type: "string", format: "date-time" },
    to: { type: "string", format: "date-time" },
    condition: { type: "string" },
    description: { type: "string" },
    coolDownMinutes: { type: "integer" },
    scanned: { type: "integer", description: "Samples read (tool calls, looping runs, runs, decisions)" },
    truncated: { type: "boolean", description: "The 30 days held more than the replay reads; it covers from `coveredFrom`" },
    coveredFrom: time("The oldest sample read, when truncated"),
    count: { type: "integer", description: "How many times it would have fired" },
    trips: {
      type: "array",
      description: "When it would have fired (the first 200), with the runs involved",
      items: {
        type: "object",
        properties: { at: { type: "string", format: "date-time" }, value: { type: "number" }, valueText: { type: "string" }, message: { type: "string" }, runIds: { type: "array", items: { type: "string" } } },
        required: ["at", "value", "message", "runIds"],
      },
    },
    summary: { type: "string" },
  },
  required: ["days", "from", "to", "count", "trips", "summary"],
};

const nameParameter = { name: "name", in: "path", required: true, schema: { type: "string", maxLength: 200 }, description: "The agent's name." };
const idParameter = { name: "id", in: "path", required: true, schema: { type: "string" }, description: "The breaker's id." };
const errors = (write: boolean) => ({
  "401": errorResponse("Missing or invalid key"),
  "403": errorResponse(write ? "The key lacks `agents:control`, or is given to an agent (`forbidden:agent_key`): an agent never changes breakers" : "The key lacks `agents:control`, or belongs to another agent"),
  "404": errorResponse("Unknown agent or breaker (`not_found:agent`, `not_found:breaker`)"),
});
const bodyErrors = {
  "413": errorResponse("Body over 16 KiB"),
  "415": errorResponse("Content-Type is not application/json"),
};

export const breakersApi: OpenApiFragment = {
  paths: {
    "/api/v1/agents/{name}/breakers": {
      get: {
        operationId: "listBreakers",
        summary: "An agent's circuit breakers, with their state, current value and latest events",
        description: "Needs a key with `agents:control`.",
        parameters: [nameParameter],
        responses: {
          "200": { description: "The breakers", content: jsonContent({ type: "object", properties: { data: { type: "array", items: componentRef("Breaker") } }, required: ["data"] }) },
          "400": errorResponse("Malformed agent name"),
          ...errors(false),
        },
      },
      post: {
        operationId: "createBreaker",
        summary: "Add a circuit breaker to an agent",
        description:
          "Needs a key with `agents:control` (not one given to an agent). Evaluated as telemetry arrives (tool error rate, loops, spend) and every few seconds " +
          "(run duration, rejections, sliding windows). Observe mode records `would_trip` and sends `breaker.would_trip`; enforce trips the agent " +
          "(`agent.tripped`). At most 20 breakers per agent. Audited.",
        parameters: [nameParameter],
        requestBody: { required: true, content: jsonContent(componentRef("BreakerInput")) },
        responses: {
          "201": { description: "Created", content: jsonContent(componentRef("Breaker")) },
          "400": errorResponse("Invalid JSON or breaker (`bad_request:breaker`, with details per field)"),
          ...errors(true),
          "409": errorResponse("A breaker of that name exists (`conflict:breaker_exists`), or the agent has 20 (`conflict:breaker_limit`)"),
          ...bodyErrors,
        },
      },
    },
    "/api/v1/agents/{name}/breakers/{id}": {
      get: {
        operationId: "getBreaker",
        summary: "One breaker",
        description: "Needs a key with `agents:control`.",
        parameters: [nameParameter, idParameter],
        responses: { "200": { description: "The breaker", content: jsonContent(componentRef("Breaker")) }, "400": errorResponse("Malformed name or id"), ...errors(false) },
      },
      patch: {
        operationId: "updateBreaker",
        summary: "Change a breaker: its condition, parameters, mode, cool-down, half-open test; enable or disable it",
        description:
          "Needs a key with `agents:control` (not one given to an agent). Disabling it, or switching it to observe, closes it if it was open; the agent stays " +
          "as it is (a person resumes it). Audited with before and after.",
        parameters: [nameParameter, idParameter],
        requestBody: { required: true, content: jsonContent(componentRef("BreakerPatch")) },
        responses: {
          "200": { description: "The breaker after the change", content: jsonContent(componentRef("Breaker")) },
          "400": errorResponse("Invalid JSON, id or change (`bad_request:breaker`)"),
          ...errors(true),
          "409": errorResponse("Another breaker of the agent has that name (`conflict:breaker_exists`)"),
          ...bodyErrors,
        },
      },
      delete: {
        operationId: "deleteBreaker",
        summary: "Delete a breaker and its events",
        description: "Needs a key with `agents:control` (not one given to an agent). The agent's status is left as it is. Audited.",
        parameters: [nameParameter, idParameter],
        responses: { "204": { description: "Deleted" }, "400": errorResponse("Malformed name or id"), ...errors(true) },
      },
    },
    "/api/v1/agents/{name}/breakers/replay": {
      post: {
        operationId: "replayBreaker",
        summary: "When a breaker would have fired over the last 30 days, and on which runs",
        description:
          "Needs a key with `agents:control`. A saved breaker (`{ breakerId }`) or a draft (`{ condition, params, coolDownMinutes? }`), replayed against the " +
          "agent's stored telemetry with its cool-down between trips, as observe mode would have recorded it. Read-only; reads at most 100,000 samples.",
        parameters: [nameParameter],
        requestBody: { required: true, content: jsonContent(componentRef("BreakerReplayInput")) },
        responses: {
          "200": { description: "The replay", content: jsonContent(componentRef("BreakerReplay")) },
          "400": errorResponse("Invalid JSON or draft (`bad_request:breaker_replay`)"),
          ...errors(false),
          ...bodyErrors,
        },
      },
    },
  },
  inputs: { BreakerInput: breakerCreateBodySchema, BreakerPatch: breakerPatchBodySchema, BreakerReplayInput: breakerReplayBodySchema },
  schemas: { Breaker: breaker, BreakerReplay: replay },
};
