// The spend report as CSV, streamed: `GET /api/v1/spend.csv?from=&to=&groupBy=&agent=&team=&model=&prompt=&detail=`.
// (A folder named `spend.csv` is an ordinary segment to Next, as openapi.json is.)
import { methodNotAllowed } from "@/lib/api/methods";
import { parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { spendCsvResponse } from "@/lib/spend/report";
import { spendCsvQuerySchema } from "@/lib/spend/report-schema";

export const dynamic = "force-dynamic";

export const GET = apiRoute("spend:read", async (request) => {
  const { detail, ...query } = parseQuery(request, spendCsvQuerySchema, { surface: "spend_query", message: "Invalid query parameters." });
  return spendCsvResponse(query, detail);
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);
