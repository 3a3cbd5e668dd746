/** OpenAPI paths of the foundation: health, this document, and whoami (key check). */
import { API_KEY_SCOPES } from "@/lib/rbac";
import type { OpenApiFragment } from "./types";

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

export const foundationApi: OpenApiFragment = {
  paths: {
    "/api/health": {
      get: {
        operationId: "getHealth",
        summary: "Liveness and readiness: the app and its database answer",
        security: [],
        responses: {
          "200": { description: "Healthy", content: { "application/json": { schema: { $ref: "#/components/schemas/Health" } } } },
          "503": { description: "The database does not answer", content: { "application/json": { schema: { $ref: "#/components/schemas/Health" } } } },
        },
      },
    },
    "/api/v1/openapi.json": {
      get: {
        operationId: "getOpenApiDocument",
        summary: "This document (OpenAPI 3.1)",
        security: [],
        responses: { "200": { description: "The OpenAPI document", content: { "application/json": { schema: { type: "object" } } } } },
      },
    },
    "/api/v1/whoami": {
      get: {
        operationId: "whoami",
        summary: "Describe the calling API key; optionally check that it has a scope",
        description:
          "Any valid key may call it. Agents call it at startup to fail fast on a wrong, revoked or under-scoped key. Does not reveal the key itself.",
        parameters: [
          {
            name: "requireScope",
            in: "query",
            required: false,
            description: "Answer 403 `forbidden:api_key` unless the key has this scope (`admin` implies every scope).",
            schema: { type: "string", enum: [...API_KEY_SCOPES] },
          },
        ],
        responses: {
          "200": { description: "The key", content: { "application/json": { schema: { $ref: "#/components/schemas/Whoami" } } } },
          "400": errorResponse("`requireScope` is not a known scope (`bad_request:scope`)"),
          "401": errorResponse("Missing, unknown, revoked or expired key (`unauthorized:api_key`)"),
          "403": errorResponse("The key lacks `requireScope` (`forbidden:api_key`)"),
        },
      },
    },
  },
  schemas: {
    Health: {
      type: "object",
      required: ["status", "database"],
      properties: {
        status: { type: "string", enum: ["ok", "unavailable"] },
        database: { type: "string", enum: ["ok", "unreachable"] },
        latencyMs: { type: "integer" },
      },
    },
    Whoami: {
      type: "object",
      required: ["key"],
      properties: {
        key: {
          type: "object",
          required: ["id", "name", "prefix", "scopes"],
          properties: {
            id: { type: "string" },
            name: { type: "string" },
            prefix: { type: "string", description: "The first characters of the key, as shown in Settings", examples: ["fd_AbC123"] },
            scopes: { type: "array", items: { type: "string", enum: [...API_KEY_SCOPES] } },
          },
        },
        requiredScopeGranted: { type: "boolean", description: "Present (true) when `requireScope` was given and the key has it." },
      },
    },
  },
};
