// Native batch ingestion: runs, steps and evaluations as JSON (see lib/telemetry/schemas.ts).
import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/api/route";
import { readEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { parseJsonBody, readLimitedBody } from "@/lib/telemetry/body";
import { ingestNativeBatch } from "@/lib/telemetry/native";

export const dynamic = "force-dynamic";

export const POST = apiRoute("ingest", async (request, { key }) => {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new AppError("unsupported_media_type:content_type", "Content-Type must be application/json.");
  }
  const body = parseJsonBody(await readLimitedBody(request, readEnv().INGEST_MAX_BODY_BYTES));
  return NextResponse.json(await ingestNativeBatch(key.actor, body));
});
