/** OpenAPI paths of the spend area: the model price table. */
import { createModelPriceSchema, modelPriceListSchema, modelPriceQuerySchema, modelPriceSchema } from "@/lib/spend/prices/schemas";
import { annotate, componentRef, errorResponse, jsonContent, queryParameters } from "./schema";
import type { OpenApiFragment } from "./types";

const priceInput = createModelPriceSchema.in;
annotate(priceInput.shape.matchPattern, { description: "Defaults to `model`." });
annotate(priceInput.shape.inputPerMillion, { description: "USD per million input tokens" });
annotate(priceInput.shape.outputPerMillion, { description: "USD per million output tokens" });
annotate(priceInput.shape.cachedInputPerMillion, { description: "USD per million cached input tokens" });
annotate(priceInput.shape.effectiveFrom, { description: "ISO date or date-time (UTC); defaults to now." });
annotate(createModelPriceSchema, {
  examples: [{ model: "GPT-4o", matchPattern: "gpt-4o", inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25, effectiveFrom: "2025-06-01" }],
});

export const spendApi: OpenApiFragment = {
  paths: {
    "/api/v1/model-prices": {
      get: {
        operationId: "listModelPrices",
        summary: "The model price table, current and superseded rows; or the price that applies to one model",
        description:
          "Needs a key with `spend:read` (or `admin`). With `model`, answers the one row that prices that model name at `at` " +
          "(the same matching ingestion uses: exact name, then the longest matching `*` pattern; provider prefixes and date " +
          "suffixes such as `openai/gpt-4o-2024-08-06` resolve), or `unpriced: true` with no rows — an unknown model is never priced at $0.",
        parameters: queryParameters(modelPriceQuerySchema, {
          model: "Resolve the price of this model name.",
          at: "Point in time (ISO date or date-time, UTC; default now).",
        }),
        responses: {
          "200": { description: "Prices", content: jsonContent(componentRef("ModelPriceList")) },
          "400": errorResponse("Invalid query (`bad_request:model_price_query`)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `spend:read`"),
        },
      },
      post: {
        operationId: "createModelPrice",
        summary: "Add a model price (admin keys)",
        description:
          "Adds a row; it applies to spans that start at or after `effectiveFrom` and supersedes older rows of the same pattern " +
          "from then on. Costs already stored are not recomputed. Audited.",
        requestBody: { required: true, content: jsonContent(componentRef("ModelPriceInput")) },
        responses: {
          "201": { description: "Created", content: jsonContent(componentRef("ModelPrice")) },
          "400": errorResponse("Invalid JSON or price (`bad_request:json`, `bad_request:model_price` with details per field)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `admin`"),
          "409": errorResponse("A row with this pattern and effective date exists (`conflict:model_price`)"),
          "413": errorResponse("Body over 1 MiB (`payload_too_large:body`)"),
          "415": errorResponse("Content-Type is not application/json"),
        },
      },
    },
  },
  inputs: { ModelPriceInput: createModelPriceSchema },
  outputs: { ModelPrice: modelPriceSchema, ModelPriceList: modelPriceListSchema },
};
