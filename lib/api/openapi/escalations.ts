/**
 * OpenAPI paths of escalations and policies: an agent asks for clearance and
 * long-polls for the decision, an integration decides for a named user, the
 * requester cancels; admins set policies (through change control) and try
 * them against history.
 */
import { decisionBodySchema, escalationCreateSchema, MAX_WAIT_SECONDS, waitQuerySchema } from "@/lib/escalations/schemas";
import { policyCreateBodySchema, policyPatchBodySchema } from "@/lib/escalations/policies/schemas";
import { annotate, componentRef, errorResponse, jsonContent, queryParameters, type JsonSchema } from "./schema";
import { agentLockedResponse } from "./agents";
import type { OpenApiFragment } from "./types";

annotate(escalationCreateSchema, {
  examples: [
    {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      agent: "invoice-reconciler",
      tool: "erp.pay_invoice",
      arguments: { amount: 12500, currency: "EUR", iban: "DE02120300000000202051" },
      reason: "Supplier invoice 2026-114 is due today",
      confidence: 0.82,
    },
  ],
});
annotate(decisionBodySchema, { examples: [{ verdict: "approve", comment: "Pay 9,000 now, the rest after the credit note", decidedBy: "compliance@example.com", arguments: { amount: 9000, currency: "EUR", iban: "DE02120300000000202051" } }] });
annotate(policyCreateBodySchema, {
  examples: [{ name: "Payments over 10k", team: "finance-ops", toolPattern: "erp.pay*", argument: "amount", threshold: 10000, requiredApprovals: 2, deciderRole: "compliance", slaMinutes: 30, deadlineMinutes: 240, timeoutAction: "reject" }],
});

const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: "null" }] });
const time = (description: string): JsonSchema => ({ type: "string", format: "date-time", description });
const object = (description: string): JsonSchema => ({ type: "object", additionalProperties: true, description });

const escalation: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    status: { enum: ["pending", "cleared", "approved", "rejected", "expired", "cancelled"], description: "Act only on `cleared` or `approved`, and then with `approvedArguments`. `expired`: the deadline passed undecided and the policy rejected it (fail closed)." },
    verdict: nullable({ enum: ["approve", "reject"] }),
    comment: nullable({ type: "string", description: "The deciding comment, or why it closed without one" }),
    agent: { type: "string" },
    tool: { type: "string" },
    traceId: nullable({ type: "string" }),
    spanId: nullable({ type: "string" }),
    reason: nullable({ type: "string" }),
    confidence: nullable({ type: "number" }),
    risk: nullable({ enum: ["low", "medium", "high"] }),
    policy: nullable({ type: "string", description: "The policy that caught it (null: cleared, none applied)" }),
    policyVersion: nullable({ type: "integer", description: "The version of that policy" }),
    matchReasons: { type: "array", items: { type: "string" }, description: "Why the policy caught it" },
    requiredApprovals: { type: "integer" },
    approvals: { type: "integer", description: "Approvals so far of the current arguments" },
    slaDueAt: nullable(time("When a person should have decided")),
    expiresAt: nullable(time("The deadline: the policy's timeout action applies then")),
    createdAt: time("When it was asked"),
    decidedAt: nullable(time("When it closed")),
    arguments: object("The arguments asked for"),
    approvedArguments: nullable(object("What the agent may execute: a decider may have changed them. Ingestion flags a tool call with other arguments.")),
    argumentsChanged: { type: "boolean" },
    decisions: {
      type: "array",
      items: {
        type: "object",
        properties: { verdict: { enum: ["approve", "reject"] }, comment: nullable({ type: "string" }), decidedBy: { type: "string" }, decidedAt: time("When"), arguments: nullable(object("The arguments this approval is for")) },
        required: ["verdict", "comment", "decidedBy", "decidedAt", "arguments"],
      },
    },
    executedDifferently: { type: "boolean", description: "Ingestion saw the tool call with other arguments, twice, or without clearance" },
    replayed: { type: "boolean", description: "This request (trace and span) was asked before: the same escalation" },
  },
  required: ["id", "status", "verdict", "comment", "policy", "policyVersion", "slaDueAt", "expiresAt", "arguments", "approvedArguments", "decisions"],
};

const chainStep: JsonSchema = {
  type: "object",
  properties: { afterMinutes: { type: "integer" }, notifyRole: nullable({ enum: ["compliance", "admin", "ops_lead"] }), notifyUsers: { type: "array", items: { type: "string", format: "email" } } },
  required: ["afterMinutes", "notifyRole", "notifyUsers"],
};

const policy: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    agent: nullable({ type: "string" }),
    team: nullable({ type: "string" }),
    toolPattern: nullable({ type: "string", description: "Tool name glob; `*` matches any characters; null: every tool" }),
    argument: nullable({ type: "string", description: "A numeric argument (or dotted path) compared with threshold" }),
    threshold: nullable({ type: "number", description: "Caught when the argument is above this" }),
    minConfidence: nullable({ type: "number", description: "Caught when the confidence is below this (or missing)" }),
    onLoop: { type: "boolean", description: "Caught when the run is flagged as looping" },
    onBudgetExceeded: { type: "boolean", description: "Caught when the agent is over a hard or soft budget" },
    maxAutonomyLevel: nullable({ type: "integer", description: "Caught when the agent's autonomy level is at most this" }),
    requiredApprovals: { enum: [1, 2] },
    deciderRole: { enum: ["compliance", "admin"] },
    slaMinutes: { type: "integer" },
    deadlineMinutes: { type: "integer" },
    warnBeforeMinutes: { type: "integer" },
    timeoutAction: { enum: ["reject", "approve", "keep_open"], description: "At the deadline: reject (fail closed, the default), approve, or stay open flagged overdue" },
    escalationChain: { type: "array", items: chainStep, description: "Unclaimed this long: notify the next role or people" },
    runbook: nullable({ type: "string" }),
    enabled: { type: "boolean" },
    version: { type: "integer" },
    updatedAt: time("Last applied change"),
    pendingChange: nullable({ type: "object", properties: { id: { type: "string" }, title: { type: "string" } } }),
  },
  required: ["id", "name", "agent", "team", "toolPattern", "argument", "threshold", "minConfidence", "onLoop", "onBudgetExceeded", "requiredApprovals", "deciderRole", "slaMinutes", "timeoutAction", "runbook"],
};

const escalationId = { name: "id", in: "path", required: true, schema: { type: "string" }, description: "The escalation's id." };
const policyId = { name: "id", in: "path", required: true, schema: { type: "string" }, description: "The policy's id." };
const keyErrors = (scope: string) => ({ "401": errorResponse("Missing or invalid key"), "403": errorResponse(`The key lacks ${scope}`) });
const policyChange = jsonContent(componentRef("PolicyChange"));

export const escalationsApi: OpenApiFragment = {
  paths: {
    "/api/v1/escalations": {
      post: {
        operationId: "requestClearance",
        summary: "Ask for clearance before an action beyond the agent's authority",
        description:
          "Needs a key with `escalations:request`. The enabled policies are weighed: none applies → `cleared` at once (recorded, arguments approved as they are); " +
          "else `pending` under the strictest policy that caught it, with its version, SLA and deadline. Then wait with `GET /api/v1/escalations/{id}?waitSeconds=55`. " +
          "Re-sending the same trace and span answers the same escalation (`replayed: true`). Put the escalation's id on the tool call's span as `flightdeck.escalation.id`.",
        requestBody: { required: true, content: jsonContent(componentRef("EscalationRequest")) },
        responses: {
          "201": { description: "Cleared or pending", content: jsonContent(componentRef("Escalation")) },
          "400": errorResponse("Invalid JSON or request (`bad_request:escalation`, details per field)"),
          ...keyErrors("`escalations:request`"),
          "409": errorResponse("The trace and span already asked for another action (`conflict:escalation_span_reused`)"),
          "423": agentLockedResponse,
          "413": errorResponse("Body over 128 kB"),
        },
      },
    },
    "/api/v1/escalations/{id}": {
      get: {
        operationId: "getEscalation",
        summary: "An escalation; with waitSeconds, wait for its decision",
        description:
          `Needs a key with \`escalations:request\` or \`escalations:decide\`. With \`waitSeconds\` (at most ${MAX_WAIT_SECONDS}, below the 60 s tool timeouts of agent frameworks) the answer comes as soon as it is ` +
          "decided, cancelled or expired — woken on every app instance by the deciding transaction — or when the time runs out (still `pending`: ask again).",
        parameters: [escalationId, ...queryParameters(waitQuerySchema, { waitSeconds: `Seconds to wait for a decision, 0 to ${MAX_WAIT_SECONDS} (default 0: answer at once).` })],
        responses: {
          "200": { description: "The escalation", content: jsonContent(componentRef("Escalation")) },
          "400": errorResponse("Malformed id (`bad_request:escalation_id`) or waitSeconds (`bad_request:escalation_query`)"),
          ...keyErrors("`escalations:request` and `escalations:decide`"),
          "404": errorResponse("Unknown escalation (`not_found:escalation`)"),
        },
      },
      delete: {
        operationId: "cancelEscalation",
        summary: "Withdraw a pending request",
        description: "Needs a key with `escalations:request`: the key that asked (another key's request answers 404), or an `admin` key. Waiting calls answer `cancelled`.",
        parameters: [escalationId],
        responses: {
          "200": { description: "Cancelled", content: jsonContent(componentRef("Escalation")) },
          "400": errorResponse("Malformed id (`bad_request:escalation_id`)"),
          ...keyErrors("`escalations:request`"),
          "404": errorResponse("Unknown escalation, or another key's (`not_found:escalation`)"),
          "409": errorResponse("Already decided, cancelled or expired (`conflict:escalation_decided`)"),
        },
      },
    },
    "/api/v1/escalations/{id}/decision": {
      post: {
        operationId: "decideEscalation",
        summary: "Decide for a named user (integrations such as chat approvals)",
        description:
          "Needs a key with `escalations:decide`. `decidedBy` is the deciding user's e-mail; the console's checks apply to that user: a role that decides escalations and is the policy's " +
          "decider role (or admin), never the requester (the creator of the key that asked), one decision per person; someone else's unexpired claim refuses it. " +
          "Approve with `arguments` to change them (e.g. a lower amount): the agent must use `approvedArguments`. A two-approver policy needs two people approving the same arguments.",
        parameters: [escalationId],
        requestBody: { required: true, content: jsonContent(componentRef("EscalationDecision")) },
        responses: {
          "200": {
            description: "Recorded (`outcome`: approved, rejected, or approval_recorded when it needs another approval)",
            content: jsonContent({ allOf: [componentRef("Escalation"), { type: "object", properties: { outcome: { enum: ["approved", "rejected", "approval_recorded"] }, message: { type: "string" } } }] }),
          },
          "400": errorResponse("Invalid JSON, id or decision; decidedBy is no active user (`bad_request:decided_by`)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `escalations:decide`, or that user may not decide it (`forbidden:escalation_decider`, `forbidden:four_eyes`)"),
          "404": errorResponse("Unknown escalation (`not_found:escalation`)"),
          "409": errorResponse("Already decided (`conflict:escalation_decided`), already approved by that user, or claimed by someone else (`conflict:escalation_claimed`)"),
        },
      },
    },
    "/api/v1/policies": {
      get: {
        operationId: "listPolicies",
        summary: "Escalation policies",
        description: "Needs a key with `admin`.",
        responses: { "200": { description: "The policies", content: jsonContent({ type: "object", properties: { data: { type: "array", items: componentRef("Policy") } } }) }, ...keyErrors("`admin`") },
      },
      post: {
        operationId: "createPolicy",
        summary: "Add a policy (applies at once: it only asks for more clearance)",
        description:
          "Needs a key with `admin`. Fields left out take their defaults: every agent and tool, 1 approval by compliance, SLA 60 min, deadline 240 min, warning 15 min before, " +
          "timeoutAction `reject` (fail closed). Recorded as an applied change: versioned, audited, and rolled back through change control.",
        requestBody: { required: true, content: jsonContent(componentRef("PolicyInput")) },
        responses: {
          "201": { description: "Applied", content: policyChange },
          "400": errorResponse("Invalid JSON or policy (`bad_request:policy`, details per field)"),
          ...keyErrors("`admin`"),
          "404": errorResponse("Unknown agent or team"),
          "409": errorResponse("A policy with that name exists (`conflict:policy_exists`)"),
        },
      },
    },
    "/api/v1/policies/{id}": {
      get: {
        operationId: "getPolicy",
        summary: "One policy",
        description: "Needs a key with `admin`.",
        parameters: [policyId],
        responses: { "200": { description: "The policy", content: jsonContent(componentRef("Policy")) }, "400": errorResponse("Malformed id"), ...keyErrors("`admin`"), "404": errorResponse("Unknown policy") },
      },
      patch: {
        operationId: "updatePolicy",
        summary: "Change a policy",
        description:
          "Needs a key with `admin`. Tightening applies at once (200). Loosening — disabling, a narrower scope or tool pattern, a higher threshold, a lower minimum confidence, " +
          "a trigger removed, fewer approvals, another decider role, approving at the deadline — only proposes it (202, `change.loosens` says why): a second person approves in the console.",
        parameters: [policyId],
        requestBody: { required: true, content: jsonContent(componentRef("PolicyPatch")) },
        responses: {
          "200": { description: "Applied", content: policyChange },
          "202": { description: "Proposed: waiting for approval; the policy is unchanged", content: policyChange },
          "400": errorResponse("Invalid JSON, id or policy"),
          ...keyErrors("`admin`"),
          "404": errorResponse("Unknown policy, agent or team"),
          "409": errorResponse("Nothing to change (`conflict:change_no_op`), or a change already waits (`conflict:change_pending`)"),
        },
      },
      delete: {
        operationId: "deletePolicy",
        summary: "Remove a policy (a change a second person approves)",
        description: "Needs a key with `admin`. Removing a policy loosens clearance, so it always waits for approval (202). Optional body `{ reason }`.",
        parameters: [policyId],
        responses: { "202": { description: "Proposed", content: policyChange }, "400": errorResponse("Malformed id or body"), ...keyErrors("`admin`"), "404": errorResponse("Unknown policy"), "409": errorResponse("A change already waits") },
      },
    },
    "/api/v1/policies/trial": {
      post: {
        operationId: "tryPolicy",
        summary: "Try a policy against the last 30 days of tool calls before saving it",
        description:
          "Needs a key with `admin`. Weighs the policy (same fields as PATCH, over the defaults) against the stored tool calls of the last 30 days — the newest 20,000 at most, " +
          "`truncated` says when the window had more — with the same matcher the clearance API uses. Autonomy levels and budgets are taken as they are now.",
        requestBody: { required: true, content: jsonContent(componentRef("PolicyPatch")) },
        responses: { "200": { description: "What it would have stopped", content: jsonContent(componentRef("PolicyTrial")) }, "400": errorResponse("Invalid policy"), ...keyErrors("`admin`") },
      },
    },
  },
  inputs: { EscalationRequest: escalationCreateSchema, EscalationDecision: decisionBodySchema, PolicyInput: policyCreateBodySchema, PolicyPatch: policyPatchBodySchema },
  schemas: {
    Escalation: escalation,
    Policy: policy,
    PolicyChange: {
      type: "object",
      properties: {
        policy: nullable(componentRef("Policy")),
        change: {
          type: "object",
          properties: { id: { type: "string" }, status: { enum: ["applied", "pending"] }, title: { type: "string" }, url: { type: "string" }, loosens: { type: "array", items: { type: "string" }, description: "Why it waits for approval" } },
          required: ["id", "status", "title", "url", "loosens"],
        },
      },
      required: ["policy", "change"],
    },
    PolicyTrial: {
      type: "object",
      properties: {
        summary: { type: "string" },
        stopped: { type: "integer" },
        agents: { type: "integer" },
        scanned: { type: "integer" },
        truncated: { type: "boolean" },
        inScope: { type: "integer" },
        from: time("Window start"),
        to: time("Window end"),
        coveredFrom: nullable(time("The oldest call read")),
        byAgent: { type: "array", items: { type: "object", properties: { agent: { type: "string" }, calls: { type: "integer" } } } },
        examples: {
          type: "array",
          items: { type: "object", properties: { stepId: { type: "string" }, runId: { type: "string" }, agent: { type: "string" }, tool: { type: "string" }, arguments: {}, at: time("When"), reasons: { type: "array", items: { type: "string" } } } },
        },
      },
      required: ["summary", "stopped", "agents", "scanned", "truncated", "examples"],
    },
  },
};
