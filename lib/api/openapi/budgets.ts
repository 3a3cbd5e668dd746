/** OpenAPI paths of budgets: setting them (through change control), checking and reserving before spending. */
import { budgetCreateBodySchema, budgetPatchBodySchema, checkQuerySchema, reservationBodySchema } from "@/lib/spend/budgets/schemas";
import { annotate, componentRef, errorResponse, jsonContent, queryParameters, type JsonSchema } from "./schema";
import { agentLockedResponse } from "./agents";
import type { OpenApiFragment } from "./types";

annotate(budgetCreateBodySchema, {
  examples: [{ scope: "team", team: "finance-ops", monthlyLimitUsd: 500, thresholds: [50, 80, 100], hardCap: true, reason: "Q1 budget" }],
});
annotate(reservationBodySchema, { examples: [{ agent: "invoice-reconciler", estimatedCostUsd: 0.5, traceId: "4bf92f3577b34da6a3ce929d0e0e4736", ttlSeconds: 120 }] });

const usd = (description: string): JsonSchema => ({ type: "number", description });
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: "null" }] });

const appliedBudget: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    scope: { enum: ["organisation", "team", "agent"] },
    team: nullable({ type: "string" }),
    agent: nullable({ type: "string" }),
    monthlyLimitUsd: usd("The monthly limit"),
    hardCap: { type: "boolean", description: "Only a hard cap refuses" },
    spentUsd: usd("Spent this month (UTC)"),
    reservedUsd: usd("Held by open reservations"),
    remainingUsd: usd("limit − spent − reserved, at least 0"),
    exceeded: { type: "boolean", description: "The estimate would go over this budget" },
  },
  required: ["id", "scope", "monthlyLimitUsd", "hardCap", "spentUsd", "reservedUsd", "remainingUsd", "exceeded"],
};

const change: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    status: { enum: ["applied", "pending"] },
    title: { type: "string" },
    requiredApprovals: { type: "integer" },
    url: { type: "string", description: "The change in the console" },
  },
  required: ["id", "status", "title", "url"],
};

const budget: JsonSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    scope: { enum: ["organisation", "team", "agent"] },
    team: nullable({ type: "string" }),
    agent: nullable({ type: "string" }),
    monthlyLimitUsd: usd("The monthly limit (UTC calendar month)"),
    thresholds: { type: "array", items: { type: "integer" }, description: "Alert thresholds, % of the limit" },
    hardCap: { type: "boolean" },
    spentUsd: usd("Spent this month"),
    reservedUsd: usd("Held by open reservations"),
    remainingUsd: usd("limit − spent − reserved, at least 0"),
    forecastUsd: usd("Projected month-end spend (method on the spend page)"),
    runOutAt: nullable({ type: "string", format: "date-time", description: "When the limit is reached at the current rate; null: not this month" }),
    period: { type: "string", description: "YYYY-MM" },
    unpricedCalls: { type: "integer", description: "Calls this month with no price: not in spentUsd" },
    alerts: { type: "array", items: { type: "object", properties: { threshold: { type: "integer" }, spentUsd: { type: "number" }, at: { type: "string", format: "date-time" } } } },
    pendingChange: nullable({ type: "object", properties: { id: { type: "string" }, title: { type: "string" }, url: { type: "string" } } }),
  },
  required: ["id", "scope", "monthlyLimitUsd", "thresholds", "hardCap", "spentUsd", "reservedUsd", "forecastUsd"],
};

const idParameter = { name: "id", in: "path", required: true, schema: { type: "string" }, description: "The budget's id." };
const adminErrors = {
  "401": errorResponse("Missing or invalid key"),
  "403": errorResponse("The key lacks `admin`"),
};

export const budgetsApi: OpenApiFragment = {
  paths: {
    "/api/v1/budgets": {
      get: {
        operationId: "listBudgets",
        summary: "Every budget with this month's spend, reservations and forecast",
        description: "Needs a key with `admin`.",
        responses: { "200": { description: "The budgets", content: jsonContent({ type: "object", properties: { data: { type: "array", items: componentRef("Budget") } } }) }, ...adminErrors },
      },
      post: {
        operationId: "createBudget",
        summary: "Set a monthly budget on the organisation, a team or an agent",
        description:
          "Needs a key with `admin`. A new budget applies at once, recorded as an applied change (audited, with history and rollback). " +
          "One budget per target: a second answers 409 with the existing budget's id in the details.",
        requestBody: { required: true, content: jsonContent(componentRef("BudgetInput")) },
        responses: {
          "201": { description: "Set", content: jsonContent(componentRef("BudgetChange")) },
          "400": errorResponse("Invalid JSON or budget (`bad_request:json`, `bad_request:budget` with details per field)"),
          ...adminErrors,
          "404": errorResponse("Unknown team or agent (`not_found:team`, `not_found:agent`)"),
          "409": errorResponse("The target has a budget already (`conflict:budget_exists`)"),
        },
      },
    },
    "/api/v1/budgets/{id}": {
      get: {
        operationId: "getBudget",
        summary: "One budget",
        description: "Needs a key with `admin`.",
        parameters: [idParameter],
        responses: {
          "200": { description: "The budget", content: jsonContent(componentRef("Budget")) },
          "400": errorResponse("Malformed id (`bad_request:budget_id`)"),
          ...adminErrors,
          "404": errorResponse("Unknown budget (`not_found:budget`)"),
        },
      },
      patch: {
        operationId: "updateBudget",
        summary: "Change a budget's limit, thresholds or hard cap",
        description:
          "Needs a key with `admin`. Lowering the limit, adding the hard cap or new thresholds apply at once (200). Raising the limit or removing the cap " +
          "only proposes the change (202): a second person approves it in the console (four eyes; the key's creator counts as the proposer), whatever the key's scopes.",
        parameters: [idParameter],
        requestBody: { required: true, content: jsonContent(componentRef("BudgetPatch")) },
        responses: {
          "200": { description: "Applied", content: jsonContent(componentRef("BudgetChange")) },
          "202": { description: "Proposed: waiting for approval; the budget is unchanged", content: jsonContent(componentRef("BudgetChange")) },
          "400": errorResponse("Invalid JSON, id or change (`bad_request:json`, `bad_request:budget_id`, `bad_request:budget`)"),
          ...adminErrors,
          "404": errorResponse("Unknown budget (`not_found:budget`)"),
          "409": errorResponse("Nothing to change (`conflict:change_no_op`), or a change to this budget already waits (`conflict:change_pending`)"),
        },
      },
      delete: {
        operationId: "deleteBudget",
        summary: "Remove a budget (a change a second person approves)",
        description: "Needs a key with `admin`. Removing a limit loosens it, so it always waits for approval (202). Optional body `{ reason }`.",
        parameters: [idParameter],
        responses: {
          "202": { description: "Proposed", content: jsonContent(componentRef("BudgetChange")) },
          "400": errorResponse("Malformed id or body"),
          ...adminErrors,
          "404": errorResponse("Unknown budget (`not_found:budget`)"),
          "409": errorResponse("A change to this budget already waits (`conflict:change_pending`)"),
        },
      },
    },
    "/api/v1/budgets/check": {
      get: {
        operationId: "checkBudget",
        summary: "Would this spend be allowed now? (read-only)",
        description:
          "Needs a key with `budgets:check`. Weighs the estimate against every budget of the agent, its team and the organisation: only a hard cap refuses. " +
          "Nothing is held; to hold budget, reserve it.",
        parameters: queryParameters(checkQuerySchema, { agent: "The agent's name.", estimatedCostUsd: "A non-negative amount in USD (default 0)." }),
        responses: {
          "200": { description: "The answer", content: jsonContent(componentRef("BudgetCheck")) },
          "400": errorResponse("Missing agent, or a negative or non-numeric estimate (`bad_request:budget_check`)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `budgets:check`"),
          "404": errorResponse("Unknown agent (`not_found:agent`)"),
          "423": agentLockedResponse,
        },
      },
    },
    "/api/v1/budgets/reservations": {
      post: {
        operationId: "reserveBudget",
        summary: "Hold budget before spending; the answer holds under concurrency",
        description:
          "Needs a key with `budgets:check`. Granted only if no hard cap of the agent, its team or the organisation would be exceeded, counting every open reservation: " +
          "concurrent reservations take turns on the caps, so 100 agents asking for $0.50 against $10 left get exactly 20 grants. A reservation holds until its trace's " +
          "LLM calls arrive through ingestion (their actual cost then counts instead), until it is released, or until it expires (`ttlSeconds`, default 300, at most 3600). " +
          "Send an `Idempotency-Key` to retry safely: a retry with the same key (and API key) answers the same reservation instead of holding twice.",
        parameters: [
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,200}$" },
            description: "Optional, e.g. a UUID per intended reservation. A retry with the same key gets the reservation made the first time (201, header `Idempotent-Replayed: true`).",
          },
        ],
        requestBody: { required: true, content: jsonContent(componentRef("ReservationInput")) },
        responses: {
          "201": { description: "Granted (or, for a repeated Idempotency-Key, granted before)", content: jsonContent(componentRef("Reservation")) },
          "400": errorResponse("Invalid JSON, reservation or Idempotency-Key (`bad_request:reservation`), or a key already used for another reservation (`bad_request:idempotency_key`)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `budgets:check`"),
          "404": errorResponse("Unknown agent (`not_found:agent`)"),
          "423": agentLockedResponse,
          "409": { description: "Refused: a hard cap would be exceeded", content: jsonContent(componentRef("ReservationRefused")) },
        },
      },
    },
    "/api/v1/budgets/reservations/{id}": {
      delete: {
        operationId: "releaseReservation",
        summary: "Give a reservation back before it expires",
        description: "Needs a key with `budgets:check`; only the key that made the reservation.",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", pattern: "^res_[0-9a-f]{32}$" }, description: "The reservation's id." }],
        responses: {
          "204": { description: "Released" },
          "400": errorResponse("Malformed id (`bad_request:reservation_id`)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `budgets:check`"),
          "404": errorResponse("No such reservation made with this key (`not_found:reservation`)"),
        },
      },
    },
  },
  inputs: { BudgetInput: budgetCreateBodySchema, BudgetPatch: budgetPatchBodySchema, ReservationInput: reservationBodySchema },
  schemas: {
    Budget: budget,
    BudgetChange: { type: "object", properties: { budget: nullable(componentRef("Budget")), change }, required: ["budget", "change"] },
    AppliedBudget: appliedBudget,
    BudgetCheck: {
      type: "object",
      properties: {
        allowed: { type: "boolean" },
        remainingUsd: nullable(usd("What is left of the tightest budget; null when none applies")),
        reason: { type: "string", description: "Why not, when refused" },
        budgets: { type: "array", items: componentRef("AppliedBudget") },
      },
      required: ["allowed", "remainingUsd", "budgets"],
    },
    Reservation: {
      type: "object",
      properties: {
        id: { type: "string" },
        allowed: { const: true },
        remainingUsd: nullable(usd("Left after this reservation")),
        expiresAt: { type: "string", format: "date-time", description: "When it stops holding: now + ttlSeconds, rounded up to a whole second" },
        budgets: { type: "array", items: componentRef("AppliedBudget") },
      },
      required: ["id", "allowed", "remainingUsd", "expiresAt"],
    },
    ReservationRefused: {
      type: "object",
      properties: { allowed: { const: false }, reason: { type: "string" }, remainingUsd: nullable(usd("What the binding cap has left")), budgets: { type: "array", items: componentRef("AppliedBudget") } },
      required: ["allowed", "reason", "remainingUsd"],
    },
  },
};
