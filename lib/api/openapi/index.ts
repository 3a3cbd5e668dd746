/**
 * The OpenAPI 3.1 document of the HTTP API, served at /api/v1/openapi.json.
 * Each area contributes a fragment (paths + component schemas).
 */
import { foundationApi } from "./foundation";
import { spendApi } from "./spend";
import { telemetryApi } from "./telemetry";
import type { OpenApiFragment } from "./types";

const fragments: OpenApiFragment[] = [foundationApi, telemetryApi, spendApi];

export function openApiDocument(serverUrl?: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Flightdeck API",
      version: "1",
      description:
        "Agents send telemetry, fetch prompts, check budgets and ask for clearance. Every route except /api/health and this document needs `Authorization: Bearer <API key>`; errors are `{ \"error\": { \"code\", \"message\" } }`.",
    },
    servers: serverUrl ? [{ url: serverUrl }] : [],
    security: [{ bearer: [] }],
    paths: Object.assign({}, ...fragments.map((f) => f.paths)),
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key created in Settings (fd_…)." } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string", examples: ["unauthorized:api_key", "forbidden:api_key", "bad_request:json"] },
                message: { type: "string" },
                details: {},
              },
            },
          },
        },
        ...Object.assign({}, ...fragments.map((f) => f.schemas)),
      },
    },
  };
}
