/** OpenAPI paths of the spend area: the spend report (JSON and CSV) and the model price table. */
import { createModelPriceSchema, modelPriceListSchema, modelPriceQuerySchema, modelPriceSchema } from "@/lib/spend/prices/schemas";
import { MAX_RANGE_DAYS, spendCsvQuerySchema, spendQuerySchema, spendReportJsonSchema } from "@/lib/spend/report-schema";
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

const spendQueryNotes = {
  from: "First UTC day, inclusive (default: 29 days before `to`).",
  to: `Last UTC day, inclusive (default: today, UTC). At most ${MAX_RANGE_DAYS} days from \`from\`.`,
  groupBy: "What each row is (default `day`).",
  agent: "Only this agent's calls (its name; an unknown name gives no rows).",
  team: "Only this team's calls (its name; an unknown name gives no rows).",
  model: "Only calls of this model (the name as ingested).",
  prompt: "Only calls of this prompt: `name` (any version) or `name@version`.",
};

const spendErrors = {
  "400": errorResponse(
    "Invalid query (`bad_request:spend_query`, details per field): a malformed day, `from` after `to`, a range over " +
      `${MAX_RANGE_DAYS} days, an unknown grouping, a value too long, or a parameter given twice`,
  ),
  "401": errorResponse("Missing or invalid key"),
  "403": errorResponse("The key lacks `spend:read`"),
};

export const spendApi: OpenApiFragment = {
  paths: {
    "/api/v1/spend": {
      get: {
        operationId: "getSpend",
        summary: "Calls, tokens and cost per day, model, agent, team or prompt version over a range of UTC days",
        description:
          "Needs a key with `spend:read`. Read from the daily rollup that ingestion maintains (days are the UTC days of the calls). " +
          "Costs are summed exactly before conversion; `total` is the sum of the rows. Calls with no price are counted in `calls` and " +
          "`unpricedCalls` but their cost is unknown, never $0: `unpricedModels` names their models.",
        parameters: queryParameters(spendQuerySchema, spendQueryNotes),
        responses: { "200": { description: "The report", content: jsonContent(componentRef("SpendReport")) }, ...spendErrors },
      },
    },
    "/api/v1/spend.csv": {
      get: {
        operationId: "getSpendCsv",
        summary: "The same report as CSV (streamed), or every rollup row with `detail=true`",
        description:
          "Needs a key with `spend:read`. Same parameters and rows as `GET /api/v1/spend`, as an attachment: a header line, then " +
          "`key,calls,inputTokens,outputTokens,cachedInputTokens,costUsd,unpricedCalls` per group in the order of the key (days in order, " +
          "names alphabetically). With `detail=true`, one line per day, team, agent, model and prompt version: " +
          "`day,team,agent,model,prompt,calls,…`. Costs keep their 9 decimals; the cost column sums to the JSON `total.costUsd`. " +
          "Cells that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`) are prefixed with `'`. Written as it is " +
          "read, page by page: a failure midway ends the download early rather than answering an error.",
        parameters: queryParameters(spendCsvQuerySchema, { ...spendQueryNotes, detail: "`true`: one line per rollup row instead of per group." }),
        responses: {
          "200": {
            description: "CSV (`Content-Disposition: attachment`)",
            content: { "text/csv": { schema: { type: "string" } } },
          },
          ...spendErrors,
        },
      },
    },
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
  outputs: { ModelPrice: modelPriceSchema, ModelPriceList: modelPriceListSchema, SpendReport: spendReportJsonSchema },
};
