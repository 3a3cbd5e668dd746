/**
 * The served document is structurally valid OpenAPI 3.1 (every $ref resolves,
 * every operation answers something, path parameters declared) and its
 * schemas are the handlers' own zod schemas.
 */
import { describe, expect, it } from "vitest";
import { createModelPriceSchema } from "@/lib/spend/prices/schemas";
import { openApiDocument } from ".";

type Json = { [key: string]: unknown };
const doc = openApiDocument("https://flightdeck.example") as unknown as Json & {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
};
const OPERATIONS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function* walk(value: unknown, at: string): Generator<[string, Json]> {
  if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* walk(v, `${at}/${i}`);
  else if (value && typeof value === "object") {
    yield [at, value as Json];
    for (const [k, v] of Object.entries(value)) yield* walk(v, `${at}/${k}`);
  }
}

function resolvePointer(pointer: string): unknown {
  if (!pointer.startsWith("#/")) return undefined;
  return pointer
    .slice(2)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Json)[key] : undefined), doc);
}

const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => OPERATIONS.includes(method))
    .map(([method, operation]) => ({ path, method, operation })),
);

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with info, servers and a bearer security scheme", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.servers).toEqual([{ url: "https://flightdeck.example" }]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(operations.length).toBeGreaterThan(0);
  });

  it("resolves every $ref inside the document", () => {
    const refs = [...walk(doc, "#")].filter(([, node]) => typeof node.$ref === "string");
    expect(refs.length).toBeGreaterThan(10);
    for (const [at, node] of refs) expect(resolvePointer(node.$ref as string), `${at}: ${String(node.$ref)}`).toBeDefined();
  });

  it("gives every operation responses with descriptions, and unique operation ids", () => {
    const ids = new Set<string>();
    for (const { path, method, operation } of operations) {
      const responses = operation.responses as Record<string, Json> | undefined;
      expect(responses && Object.keys(responses).length, `${method} ${path}`).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(responses!)) {
        expect(status, `${method} ${path}`).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof response.description, `${method} ${path} ${status}`).toBe("string");
      }
      if (typeof operation.operationId === "string") {
        expect(ids.has(operation.operationId), operation.operationId).toBe(false);
        ids.add(operation.operationId);
      }
      for (const requirement of (operation.security ?? doc.security) as Json[]) {
        for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes[scheme], scheme).toBeDefined();
      }
    }
  });

  it("declares each path template parameter, and only those, as a required path parameter", () => {
    for (const { path, method, operation } of operations) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const parameters = (operation.parameters ?? []) as Json[];
      const inPath = parameters.filter((p) => p.in === "path");
      expect(inPath.map((p) => p.name).sort(), `${method} ${path}`).toEqual(templated);
      for (const p of inPath) expect(p.required, `${method} ${path} ${String(p.name)}`).toBe(true);
      for (const p of parameters) {
        expect(["query", "path", "header", "cookie"]).toContain(p.in);
        expect(p.schema, `${method} ${path} ${String(p.name)}`).toBeTypeOf("object");
      }
      const keys = parameters.map((p) => `${String(p.in)}:${String(p.name)}`);
      expect(new Set(keys).size, `${method} ${path}`).toBe(keys.length);
    }
  });

  it("holds plain JSON Schema components (no $schema/$id from zod, no shared $defs)", () => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(schema.$schema, name).toBeUndefined();
      expect(schema.$id, name).toBeUndefined();
    }
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it("documents request bodies from the handlers' zod schemas", () => {
    const input = doc.components.schemas.ModelPriceInput!;
    expect(input).toMatchObject({ type: "object", additionalProperties: false, required: ["model", "inputPerMillion", "outputPerMillion"] });
    // The example in the document is one the handler accepts.
    for (const example of input.examples as unknown[]) expect(createModelPriceSchema.safeParse(example).success).toBe(true);
    const runs = doc.paths["/api/v1/runs"]!.get!.parameters as Json[];
    expect(runs.find((p) => p.name === "status")).toMatchObject({ schema: { enum: ["running", "succeeded", "failed", "escalated", "stalled"] } });
    expect(runs.find((p) => p.name === "limit")).toMatchObject({ required: false, schema: { type: "integer", minimum: 1, maximum: 200, default: 50 } });
  });

  it("keeps the OTLP protobuf description", () => {
    const otlp = doc.paths["/api/otel/v1/traces"]!.post!;
    expect((otlp.requestBody as Json & { content: Record<string, Json> }).content["application/x-protobuf"]).toMatchObject({
      schema: { type: "string", format: "binary", description: "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest" },
    });
    expect(otlp.description).toContain("gen_ai.operation.name");
  });
});
