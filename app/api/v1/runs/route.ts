// Runs, newest first: `GET /api/v1/runs?traceId=&agent=&status=&from=&to=&cursor=&limit=`.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { listRunsForApi, runListQuerySchema } from "@/lib/runs/api-queries";

export const dynamic = "force-dynamic";

export const GET = apiRoute("runs:read", async (request) => {
  return NextResponse.json(await listRunsForApi(parseQuery(request, runListQuerySchema)));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);
