// GET lists the model price table (or resolves one model's price); POST adds a price (admin keys only).
import { NextResponse } from "next/server";
import { apiRoute, issuesToDetails, readJson } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { listModelPrices, modelPriceJson, resolveModelPrice } from "@/lib/spend/prices/queries";
import { createModelPriceSchema, modelPriceQuerySchema } from "@/lib/spend/prices/schemas";
import { createModelPrice } from "@/lib/spend/prices/commands";

export const GET = apiRoute("spend:read", async (request) => {
  const query = modelPriceQuerySchema.safeParse(Object.fromEntries(request.nextUrl.searchParams));
  if (!query.success) {
    throw new AppError("bad_request:model_price_query", "Invalid query parameters.", issuesToDetails(query.error.issues));
  }
  const { model, at, status } = query.data;
  if (model) {
    const when = at ?? new Date();
    const price = await resolveModelPrice(model, when);
    return NextResponse.json({ model, at: when.toISOString(), unpriced: price === null, data: price ? [modelPriceJson(price)] : [] });
  }
  const prices = await listModelPrices(at ?? new Date());
  return NextResponse.json({ data: prices.filter((p) => !status || p.status === status).map(modelPriceJson) });
});

export const POST = apiRoute("admin", async (request, { key }) => {
  const parsed = createModelPriceSchema.safeParse(await readJson(request));
  if (!parsed.success) {
    throw new AppError("bad_request:model_price", "The price is not valid.", issuesToDetails(parsed.error.issues));
  }
  const price = await createModelPrice(key.actor, parsed.data);
  return NextResponse.json(modelPriceJson(price), { status: 201 });
});
