/** A fragment of the OpenAPI 3.1 document: each area documents its own routes. */
import type { z } from "zod";
import type { JsonSchema } from "./schema";

export interface OpenApiFragment {
  paths: Record<string, unknown>;
  /** Components generated from the zod schemas handlers parse with (their `input` side): request bodies. */
  inputs?: Record<string, z.ZodType>;
  /** Components generated from the zod schemas of answers (their `output` side). */
  outputs?: Record<string, z.ZodType>;
  /** Components with no zod schema behind them (e.g. the OTLP wire format), written by hand. */
  schemas?: Record<string, JsonSchema>;
}
