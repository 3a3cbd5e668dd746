// Spend per day, model, agent, team or prompt version: `GET /api/v1/spend?from=&to=&groupBy=&agent=&team=&model=&prompt=`.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { getSpendJson } from "@/lib/spend/report";
import { spendQuerySchema, type SpendReportJson } from "@/lib/spend/report-schema";

export const dynamic = "force-dynamic";

export const GET = apiRoute("spend:read", async (request) => {
  const query = parseQuery(request, spendQuerySchema, { surface: "spend_query", message: "Invalid query parameters." });
  return NextResponse.json((await getSpendJson(query)) satisfies SpendReportJson, { headers: { "Cache-Control": "no-store" } });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);
