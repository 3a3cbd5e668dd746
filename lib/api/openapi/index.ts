/**
 * The OpenAPI 3.1 document of the HTTP API, served at /api/v1/openapi.json.
 * Each area contributes a fragment: its paths, and its component schemas as
 * the zod schemas its handlers parse with and answer in (generated here, so
 * the document cannot drift from what the routes accept).
 */
import { agentsApi } from "./agents";
import { breakersApi } from "./breakers";
import { budgetsApi } from "./budgets";
import { escalationsApi } from "./escalations";
import { foundationApi } from "./foundation";
import { promptsApi } from "./prompts";
import { componentSchemas, type JsonSchema } from "./schema";
import { spendApi } from "./spend";
import { telemetryApi } from "./telemetry";
import type { OpenApiFragment } from "./types";

const fragments: OpenApiFragment[] = [foundationApi, telemetryApi, spendApi, budgetsApi, promptsApi, escalationsApi, agentsApi, breakersApi];

let components: Record<string, JsonSchema> | undefined;

/** Generated once per process: the schemas do not change while it runs. */
function allComponentSchemas(): Record<string, JsonSchema> {
  if (components) return components;
  const merged: Record<string, JsonSchema> = {};
  const add = (schemas: Record<string, JsonSchema>) => {
    for (const [name, schema] of Object.entries(schemas)) {
      if (name in merged) throw new Error(`OpenAPI: two fragments define the component schema ${name}.`);
      merged[name] = schema;
    }
  };
  add(componentSchemas(Object.assign({}, ...fragments.map((f) => f.inputs ?? {})), "input"));
  add(componentSchemas(Object.assign({}, ...fragments.map((f) => f.outputs ?? {})), "output"));
  for (const f of fragments) add(f.schemas ?? {});
  components = merged;
  return merged;
}

export function openApiDocument(serverUrl?: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Flightdeck API",
      version: "1",
      description:
        "Agents send telemetry, fetch prompts, check budgets and ask for clearance. Every route except /api/live, /api/health and this document needs `Authorization: Bearer <API key>`; errors are `{ \"error\": { \"code\", \"message\" } }`. An unknown path under /api answers 404 `not_found:route`, a method a path does not serve 405 `method_not_allowed:route` with an `Allow` header.",
    },
    servers: serverUrl ? [{ url: serverUrl }] : [],
    security: [{ bearer: [] }],
    paths: Object.assign({}, ...fragments.map((f) => f.paths)) as Record<string, Record<string, unknown>>,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key created in Settings (fd_…)." } },
      schemas: allComponentSchemas(),
    },
  };
}
