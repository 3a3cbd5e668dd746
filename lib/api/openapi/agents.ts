/** OpenAPI paths of agent status: what agents poll, and the kill switch of incident tooling. */
import { statusBodySchema, statusQuerySchema } from "@/lib/agents/status-schemas";
import { componentRef, errorResponse, jsonContent, queryParameters } from "./schema";
import type { OpenApiFragment } from "./types";

const nameParameter = { name: "name", in: "path", required: true, schema: { type: "string", maxLength: 200 }, description: "The agent's name, as it sends it in telemetry." };

/** The one shape of a refusal while the agent is paused or tripped, referenced by every agent-facing route. */
export const agentLockedResponse = errorResponse(
  "The agent is paused or tripped (`agent_paused`, `agent_tripped`): the message says why, by whom and since when. Nothing it asks is allowed until a person resumes it.",
);

const statusSchema = {
  type: "object",
  properties: {
    agent: { type: "string" },
    status: { type: "string", enum: ["active", "paused", "tripped"] },
    reason: { type: ["string", "null"], description: "Why it is paused or tripped; null while active." },
    since: { type: ["string", "null"], format: "date-time", description: "When the status last changed; null for an agent never paused or tripped." },
    setBy: { type: ["string", "null"], description: "A person's e-mail, `key:<name>` or `breaker:<name>`." },
    breaker: { type: ["string", "null"], description: "The breaker that tripped it, while tripped by one." },
  },
  required: ["agent", "status", "reason", "since", "setBy", "breaker"],
};

export const agentsApi: OpenApiFragment = {
  paths: {
    "/api/v1/agents/{name}/status": {
      get: {
        operationId: "getAgentStatus",
        summary: "An agent's status: active, paused or tripped, with the reason, who or what set it, and since when",
        description:
          "Any valid key (a key given to one agent reads only that agent). Answers with an `ETag` and `Cache-Control: private, max-age=2`. " +
          "Long-poll: send the ETag in `If-None-Match` with `waitSeconds=N` (N ≤ 55) and the answer comes as soon as the status changes " +
          "(woken through the notification hub, from any app instance), or `304` after N seconds without a change.",
        parameters: [nameParameter, ...queryParameters(statusQuerySchema, { waitSeconds: "With If-None-Match: wait up to this many seconds (0–55) for a change." })],
        responses: {
          "200": { description: "The status", content: jsonContent(componentRef("AgentStatus")) },
          "304": { description: "Not modified (still the status of the `If-None-Match` ETag)" },
          "400": errorResponse("Malformed name or waitSeconds"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key belongs to another agent (`forbidden:agent_key`)"),
          "404": errorResponse("Unknown agent (`not_found:agent`)"),
        },
      },
      post: {
        operationId: "setAgentStatus",
        summary: "Pause or resume an agent (the kill switch of incident tooling)",
        description:
          "Needs a key with `agents:control`. `paused` refuses every agent-facing call for the agent (clearance, budget checks and " +
          "reservations, prompt fetches naming it) with 423 until it is resumed. Resuming a tripped agent needs `acknowledgeTrip: true` " +
          "(409 `conflict:trip_not_acknowledged` otherwise, with the trip's reason). A key given to the agent itself may pause it but " +
          "never resume it (403 `forbidden:agent_own_key`). Setting the status it already has changes nothing (`changed: false`). Audited; webhook `agent.paused` / `agent.resumed`.",
        parameters: [nameParameter],
        requestBody: { required: true, content: jsonContent(componentRef("AgentStatusInput")) },
        responses: {
          "200": { description: "The status after the change", content: jsonContent({ allOf: [componentRef("AgentStatus"), { type: "object", properties: { changed: { type: "boolean" } }, required: ["changed"] }] }) },
          "400": errorResponse("Invalid JSON or fields (`bad_request:agent_status` with details per field)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `agents:control`, belongs to another agent, or is the agent's own key resuming it"),
          "404": errorResponse("Unknown agent (`not_found:agent`)"),
          "409": errorResponse("Resuming a tripped agent without `acknowledgeTrip: true` (`conflict:trip_not_acknowledged`)"),
          "413": errorResponse("Body over 16 KiB"),
          "415": errorResponse("Content-Type is not application/json"),
        },
      },
    },
  },
  inputs: { AgentStatusInput: statusBodySchema },
  schemas: { AgentStatus: statusSchema },
};
