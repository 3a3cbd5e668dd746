/**
 * zod → JSON Schema for the OpenAPI document, so the document describes
 * exactly what the handlers parse (request bodies and query strings, `input`
 * side of each schema) and the shapes they answer (`output` side). OpenAPI 3.1
 * takes JSON Schema 2020-12 as it is; this module only tidies zod's output for
 * readers and lets fragments add the descriptions the schemas do not carry.
 */
import { z } from "zod";

export type JsonSchema = { [key: string]: unknown };
type Io = "input" | "output";

const COMPONENTS = "#/components/schemas/";
export const componentRef = (name: string): JsonSchema => ({ $ref: `${COMPONENTS}${name}` });

/**
 * Documentation for a schema that lives elsewhere and must not change (its
 * module owns what it accepts): merged into that schema's JSON wherever it
 * appears. Annotate the exact instance a shape holds, e.g. `schema.shape.field`.
 */
const annotations = new WeakMap<z.core.$ZodType, JsonSchema>();
export function annotate(schema: z.core.$ZodType, extra: JsonSchema): void {
  annotations.set(schema, { ...annotations.get(schema), ...extra });
}

type OverrideContext = { zodSchema: z.core.$ZodTypes; jsonSchema: JsonSchema };

function tidy(io: Io) {
  return ({ zodSchema, jsonSchema }: OverrideContext) => {
    const def = zodSchema._zod.def;
    // zod's ISO date regexes are unreadable and say no more than `format` does.
    if (typeof jsonSchema.format === "string" && ["date-time", "date", "time", "duration"].includes(jsonSchema.format)) delete jsonSchema.pattern;
    // `.int()` adds the safe-integer range: noise in a document.
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    // An answer's object may gain fields later; only `.strict()` objects promise none.
    if (io === "output" && def.type === "object" && (def as z.core.$ZodObjectDef).catchall?._zod.def.type !== "never") {
      delete jsonSchema.additionalProperties;
    }
    if (io === "input" && def.type === "pipe") documentNormalisedInput(def as z.core.$ZodPipeDef, jsonSchema);
    const extra = annotations.get(zodSchema);
    if (extra) Object.assign(jsonSchema, extra);
  };
}

/**
 * Our schemas normalise a string, then validate the result
 * (`z.string().transform(toLowerCase).pipe(z.enum(...))`): the input side alone
 * is a bare string, so the enum or pattern is taken from the validated side.
 */
function documentNormalisedInput(def: z.core.$ZodPipeDef, jsonSchema: JsonSchema): void {
  const inner = def.in._zod.def;
  const normalises = inner.type === "pipe" && (inner as z.core.$ZodPipeDef).out._zod.def.type === "transform";
  if (!normalises || jsonSchema.type !== "string") return;
  const validated = z.toJSONSchema(def.out, { io: "output", unrepresentable: "any" }) as JsonSchema;
  for (const key of ["enum", "pattern", "minLength", "maxLength"]) if (validated[key] !== undefined) jsonSchema[key] = validated[key];
  jsonSchema.description = jsonSchema.description ? `${jsonSchema.description} Case-insensitive.` : "Case-insensitive.";
}

function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** One schema, inlined (no components). */
export function jsonSchemaOf(schema: z.ZodType, io: Io): JsonSchema {
  return strip(z.toJSONSchema(schema, { io, unrepresentable: "any", override: tidy(io) }) as JsonSchema);
}

/**
 * Component schemas: each named zod schema becomes `#/components/schemas/<name>`,
 * and where one contains another (the same instance) it is a `$ref`.
 */
export function componentSchemas(named: Record<string, z.ZodType>, io: Io): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    unrepresentable: "any",
    override: tidy(io),
    uri: (id) => `${COMPONENTS}${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  if ("__shared" in schemas) throw new Error("OpenAPI: a schema was extracted into shared $defs; register it as a component.");
  return Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, strip(schema)]));
}

export type ParameterNotes = Record<string, string | { description?: string; schema?: JsonSchema }>;

/** OpenAPI query parameters from the object schema a handler parses its query string with. */
export function queryParameters(schema: z.ZodType, notes: ParameterNotes = {}): JsonSchema[] {
  const json = jsonSchemaOf(schema, "input");
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const note = notes[name];
    const { description: own, ...parameterSchema } = { ...property, ...(typeof note === "object" ? note.schema : {}) };
    const noted = typeof note === "string" ? note : note?.description;
    const description = [noted, own].filter(Boolean).join(" ");
    return {
      name,
      in: "query",
      required: required.has(name),
      ...(description ? { description } : {}),
      schema: parameterSchema,
    };
  });
}

export const jsonContent = (schema: JsonSchema) => ({ "application/json": { schema } });

/** An error answer: the one error shape, described. */
export const errorResponse = (description: string) => ({ description, content: jsonContent(componentRef("Error")) });
