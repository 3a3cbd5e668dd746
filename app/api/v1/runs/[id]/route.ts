// One run with its steps, totals and flags: `GET /api/v1/runs/{id}` (a run id or its trace id).
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { apiRoute } from "@/lib/api/route";
import { getRunForApi } from "@/lib/runs/api-queries";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>("runs:read", async (_request, { params }) => {
  return NextResponse.json(await getRunForApi(params.id));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);
