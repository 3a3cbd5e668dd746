/** OpenAPI paths of the foundation: liveness, health, this document, and whoami (key check). */
import { API_KEY_SCOPES } from "@/lib/rbac";
import { errorBodySchema, healthSchema, whoamiQuerySchema, whoamiSchema } from "@/lib/api/schemas";
import { componentRef, errorResponse, jsonContent, queryParameters } from "./schema";
import type { OpenApiFragment } from "./types";

export const foundationApi: OpenApiFragment = {
  paths: {
    "/api/live": {
      get: {
        operationId: "getLive",
        summary: "Liveness: the app process answers (no key, no database; readiness is /api/health)",
        description:
          "For an orchestrator's liveness probe: answers from the process alone, so a database outage does not get the app restarted. Point readiness probes and load balancers at /api/health.",
        security: [],
        responses: {
          "200": {
            description: "The process is alive",
            content: jsonContent({ type: "object", properties: { status: { const: "ok" } }, required: ["status"] }),
          },
        },
      },
    },
    "/api/health": {
      get: {
        operationId: "getHealth",
        summary: "Liveness and readiness: the app and its database answer",
        security: [],
        responses: {
          "200": { description: "Healthy", content: jsonContent(componentRef("Health")) },
          "503": { description: "The database does not answer", content: jsonContent(componentRef("Health")) },
        },
      },
    },
    "/api/v1/openapi.json": {
      get: {
        operationId: "getOpenApiDocument",
        summary: "This document (OpenAPI 3.1)",
        description: "Carries an `ETag`; send it back in `If-None-Match` to get a bodiless 304 while the document is unchanged.",
        security: [],
        responses: {
          "200": { description: "The OpenAPI document", content: jsonContent({ type: "object" }) },
          "304": { description: "Unchanged since the `ETag` sent in `If-None-Match`" },
        },
      },
    },
    "/api/v1/whoami": {
      get: {
        operationId: "whoami",
        summary: "Describe the calling API key; optionally check that it has a scope",
        description:
          "Any valid key may call it. Agents call it at startup to fail fast on a wrong, revoked or under-scoped key. Does not reveal the key itself.",
        parameters: queryParameters(whoamiQuerySchema, {
          requireScope: {
            description: "Answer 403 `forbidden:api_key` unless the key has this scope (`admin` implies every scope).",
            schema: { enum: [...API_KEY_SCOPES] },
          },
        }),
        responses: {
          "200": { description: "The key", content: jsonContent(componentRef("Whoami")) },
          "400": errorResponse("`requireScope` is not a known scope (`bad_request:scope`)"),
          "401": errorResponse("Missing, unknown, revoked or expired key (`unauthorized:api_key`)"),
          "403": errorResponse("The key lacks `requireScope` (`forbidden:api_key`)"),
        },
      },
    },
  },
  outputs: { Error: errorBodySchema, Health: healthSchema, Whoami: whoamiSchema },
};
