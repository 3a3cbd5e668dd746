// GET lists the model price table (or resolves one model's price); POST adds a price (admin keys only).
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseBody, parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { listModelPrices, modelPriceJson, resolveModelPrice } from "@/lib/spend/prices/queries";
import { createModelPriceSchema, modelPriceQuerySchema, type ModelPriceJson, type ModelPriceListJson } from "@/lib/spend/prices/schemas";
import { createModelPrice } from "@/lib/spend/prices/commands";

export const GET = apiRoute("spend:read", async (request) => {
  const { model, at, status } = parseQuery(request, modelPriceQuerySchema, { surface: "model_price_query", message: "Invalid query parameters." });
  if (model) {
    const when = at ?? new Date();
    const price = await resolveModelPrice(model, when);
    return NextResponse.json({ model, at: when.toISOString(), unpriced: price === null, data: price ? [modelPriceJson(price)] : [] } satisfies ModelPriceListJson);
  }
  const prices = await listModelPrices(at ?? new Date());
  return NextResponse.json({ data: prices.filter((p) => !status || p.status === status).map(modelPriceJson) } satisfies ModelPriceListJson);
});

export const POST = apiRoute("admin", async (request, { key }) => {
  const input = await parseBody(request, createModelPriceSchema, { surface: "model_price", message: "The price is not valid." });
  const price = await createModelPrice(key.actor, input);
  return NextResponse.json(modelPriceJson(price) satisfies ModelPriceJson, { status: 201 });
});

export const { PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET", "POST"]);
