// Runs, newest first: `GET /api/v1/runs?traceId=&agent=&status=&from=&to=&cursor=&limit=`.
import { NextResponse } from "next/server";
import { apiRoute, issuesToDetails } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { listRunsForApi, runListQuerySchema } from "@/lib/runs/api-queries";

export const dynamic = "force-dynamic";

export const GET = apiRoute("runs:read", async (request) => {
  const params = Object.fromEntries(request.nextUrl.searchParams);
  const query = runListQuerySchema.safeParse(params);
  if (!query.success) {
    throw new AppError("bad_request:query", "Some query parameters are not valid.", issuesToDetails(query.error.issues));
  }
  return NextResponse.json(await listRunsForApi(query.data));
});
