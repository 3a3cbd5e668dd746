/** Validation of model prices, shared by Settings › Model prices and POST /api/v1/model-prices. */
import { z } from "zod";

const MAX_PRICE_PER_MILLION = 100_000;

const price = (label: string) =>
  z
    .number({ message: `${label} must be a number (USD per million tokens).` })
    .finite(`${label} must be a number (USD per million tokens).`)
    .min(0, `${label} cannot be negative.`)
    .max(MAX_PRICE_PER_MILLION, `${label} above $${MAX_PRICE_PER_MILLION.toLocaleString("en")} per million tokens is not plausible.`);

export const matchPatternSchema = z
  .string()
  .trim()
  .min(1, "Enter a model name or a pattern.")
  .max(200)
  .regex(/^[A-Za-z0-9._:/@*+-]+$/, "Use letters, digits and . _ : / @ + - and * as the wildcard.")
  .refine((p) => p.replaceAll("*", "").length >= 2, "A pattern needs at least two characters besides *.");

const effectiveFromSchema = z
  .string()
  .trim()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: "Use an ISO date, e.g. 2025-06-01 or 2025-06-01T00:00:00Z.",
  })
  // A bare date means midnight UTC, not local time.
  .transform((s) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s))
  .refine((d) => d.getUTCFullYear() >= 2000 && d.getUTCFullYear() <= 2100, "The effective date must lie between 2000 and 2100.");

/** The body of POST /api/v1/model-prices (field names as in DESIGN.md). */
export const createModelPriceSchema = z
  .object({
    model: z.string().trim().min(1, "Enter the model's name.").max(120),
    matchPattern: matchPatternSchema.optional(),
    inputPerMillion: price("Input price"),
    outputPerMillion: price("Output price"),
    cachedInputPerMillion: price("Cached input price").nullable().optional(),
    effectiveFrom: effectiveFromSchema.optional(),
  })
  .strict()
  .transform((v, ctx) => {
    const matchPattern = v.matchPattern ?? v.model;
    const parsed = matchPatternSchema.safeParse(matchPattern);
    if (!parsed.success) {
      ctx.addIssue({ code: "custom", path: ["matchPattern"], message: parsed.error.issues[0]?.message ?? "Invalid pattern." });
      return z.NEVER;
    }
    return {
      model: v.model,
      matchPattern: parsed.data,
      inputPerMillion: v.inputPerMillion,
      outputPerMillion: v.outputPerMillion,
      cachedInputPerMillion: v.cachedInputPerMillion ?? null,
      effectiveFrom: v.effectiveFrom ?? new Date(),
    };
  });
export type CreateModelPriceInput = z.output<typeof createModelPriceSchema>;

/** The Settings form sends strings; empty optional fields mean "not given". */
export function modelPriceFromForm(formData: FormData): unknown {
  const text = (name: string) => {
    const v = formData.get(name);
    return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
  };
  const num = (name: string) => {
    const v = text(name);
    return v === undefined ? undefined : Number(v);
  };
  return {
    model: text("model") ?? "",
    matchPattern: text("matchPattern"),
    inputPerMillion: num("inputPerMillion"),
    outputPerMillion: num("outputPerMillion"),
    cachedInputPerMillion: num("cachedInputPerMillion"),
    effectiveFrom: text("effectiveFrom"),
  };
}

export const modelPriceQuerySchema = z.object({
  model: z.string().trim().min(1).max(200).optional(),
  at: effectiveFromSchema.optional(),
  status: z.enum(["current", "superseded", "scheduled"]).optional(),
});

export const deleteModelPriceSchema = z.object({ id: z.string().min(1).max(64) });

// The answers of /api/v1/model-prices (DESIGN.md "Model price"): documentation (the
// OpenAPI document is generated from them) and the handler's output type, never parsed at runtime.

const usdPerMillion = () => z.number().min(0).max(MAX_PRICE_PER_MILLION);

export const modelPriceSchema = z.object({
  id: z.string(),
  model: z.string().meta({ description: "Display name, e.g. `GPT-4o`." }),
  matchPattern: z.string().meta({ description: "Exact model name or a glob with `*`, case-insensitive, e.g. `claude-3-5-sonnet*`." }),
  inputPerMillion: usdPerMillion().meta({ description: "USD per million input tokens" }),
  outputPerMillion: usdPerMillion().meta({ description: "USD per million output tokens" }),
  cachedInputPerMillion: usdPerMillion().nullable().meta({ description: "USD per million cached input tokens; null = priced at the input rate" }),
  effectiveFrom: z.iso.datetime(),
  status: modelPriceQuerySchema.shape.status.meta({ description: "In lists only." }),
  supersededAt: z.iso.datetime().nullable().optional().meta({ description: "In lists only: when a later row took over." }),
});
export type ModelPriceJson = z.output<typeof modelPriceSchema>;

export const modelPriceListSchema = z.object({
  data: z.array(modelPriceSchema),
  model: z.string().optional().meta({ description: "With `?model=`: the name resolved." }),
  at: z.iso.datetime().optional(),
  unpriced: z.boolean().optional().meta({ description: "With `?model=`: true when no price applies." }),
});
export type ModelPriceListJson = z.output<typeof modelPriceListSchema>;

// ── re-pricing of unpriced calls (recompute.ts) ─────────────────────────────

/** Settings › Model prices "Re-price": a price's pattern, or none for every unpriced call. */
export const startPriceRecomputeSchema = z.object({ matchPattern: matchPatternSchema.nullable() });
export type StartPriceRecomputeInput = z.output<typeof startPriceRecomputeSchema>;

export function priceRecomputeFromForm(formData: FormData): unknown {
  const pattern = formData.get("matchPattern");
  return { matchPattern: typeof pattern === "string" && pattern.trim() !== "" ? pattern : null };
}

export const PRICE_RECOMPUTE_STATUSES = ["QUEUED", "RUNNING", "DONE", "FAILED"] as const;

/** A re-pricing as Settings shows it and /settings/price-recomputes/{id} answers it (never parsed at runtime). */
export const priceRecomputeSchema = z.object({
  id: z.string(),
  status: z.enum(PRICE_RECOMPUTE_STATUSES),
  matchPattern: z.string().nullable().meta({ description: "The calls of models this pattern matches; null = every unpriced call." }),
  total: z.number().int().meta({ description: "Unpriced calls it covers (counted when queued, settled when done)." }),
  done: z.number().int(),
  repriced: z.number().int(),
  stillUnpriced: z.number().int().meta({ description: "Calls it covers with no price in force at their start." }),
  addedUsd: z.number().meta({ description: "Cost added to the re-priced calls, their runs and the spend rollups." }),
  error: z.string().nullable(),
  requestedByName: z.string(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
export type PriceRecomputeJson = z.output<typeof priceRecomputeSchema>;
