// The "Download CSV" link of the spend page: the same stream as GET /api/v1/spend.csv,
// for the signed-in browser (its session, checked here like any page) instead of an API key.
import type { NextRequest } from "next/server";
import { parseQuery } from "@/lib/api/parse";
import { errorResponse } from "@/lib/api/route";
import { requireScope } from "@/lib/session";
import { spendCsvResponse } from "@/lib/spend/report";
import { spendCsvQuerySchema } from "@/lib/spend/report-schema";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest): Promise<Response> {
  try {
    await requireScope("spend:read");
    const { detail, ...query } = parseQuery(request, spendCsvQuerySchema, { surface: "spend_query", message: "Invalid query parameters." });
    return spendCsvResponse(query, detail);
  } catch (error) {
    return errorResponse(error, "GET /spend/export.csv");
  }
}
