/** OpenAPI paths of the spend area: the model price table. */
import type { OpenApiFragment } from "./types";

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

const usdPerMillion = (description: string) => ({ type: "number", minimum: 0, maximum: 100000, description });

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
        parameters: [
          { name: "model", in: "query", required: false, schema: { type: "string" }, description: "Resolve the price of this model name." },
          { name: "at", in: "query", required: false, schema: { type: "string", format: "date-time" }, description: "Point in time (default now)." },
          { name: "status", in: "query", required: false, schema: { type: "string", enum: ["current", "superseded", "scheduled"] } },
        ],
        responses: {
          "200": {
            description: "Prices",
            content: { "application/json": { schema: { $ref: "#/components/schemas/ModelPriceList" } } },
          },
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
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/ModelPriceInput" } } },
        },
        responses: {
          "201": { description: "Created", content: { "application/json": { schema: { $ref: "#/components/schemas/ModelPrice" } } } },
          "400": errorResponse("Invalid JSON or price (`bad_request:json`, `bad_request:model_price` with details per field)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `admin`"),
          "409": errorResponse("A row with this pattern and effective date exists (`conflict:model_price`)"),
        },
      },
    },
  },
  schemas: {
    ModelPrice: {
      type: "object",
      required: ["id", "model", "matchPattern", "inputPerMillion", "outputPerMillion", "cachedInputPerMillion", "effectiveFrom"],
      properties: {
        id: { type: "string" },
        model: { type: "string", description: "Display name, e.g. `GPT-4o`." },
        matchPattern: { type: "string", description: "Exact model name or a glob with `*`, case-insensitive, e.g. `claude-3-5-sonnet*`." },
        inputPerMillion: usdPerMillion("USD per million input tokens"),
        outputPerMillion: usdPerMillion("USD per million output tokens"),
        cachedInputPerMillion: { ...usdPerMillion("USD per million cached input tokens; null = priced at the input rate"), type: ["number", "null"] },
        effectiveFrom: { type: "string", format: "date-time" },
        status: { type: "string", enum: ["current", "superseded", "scheduled"], description: "In lists only." },
        supersededAt: { type: ["string", "null"], format: "date-time", description: "In lists only: when a later row took over." },
      },
    },
    ModelPriceInput: {
      type: "object",
      required: ["model", "inputPerMillion", "outputPerMillion"],
      additionalProperties: false,
      properties: {
        model: { type: "string", maxLength: 120 },
        matchPattern: { type: "string", maxLength: 200, description: "Defaults to `model`." },
        inputPerMillion: usdPerMillion("USD per million input tokens"),
        outputPerMillion: usdPerMillion("USD per million output tokens"),
        cachedInputPerMillion: { ...usdPerMillion("USD per million cached input tokens"), type: ["number", "null"] },
        effectiveFrom: { type: "string", description: "ISO date or date-time (UTC); defaults to now." },
      },
      examples: [{ model: "GPT-4o", matchPattern: "gpt-4o", inputPerMillion: 2.5, outputPerMillion: 10, cachedInputPerMillion: 1.25, effectiveFrom: "2025-06-01" }],
    },
    ModelPriceList: {
      type: "object",
      required: ["data"],
      properties: {
        data: { type: "array", items: { $ref: "#/components/schemas/ModelPrice" } },
        model: { type: "string", description: "With `?model=`: the name resolved." },
        at: { type: "string", format: "date-time" },
        unpriced: { type: "boolean", description: "With `?model=`: true when no price applies." },
      },
    },
  },
};
