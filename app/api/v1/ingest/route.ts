// Native batch ingestion: runs, steps and evaluations as JSON (see lib/telemetry/schemas.ts).
// The envelope and each item are validated in lib/telemetry/native.ts, which reports bad items by index.
import { NextResponse } from "next/server";
import { readJsonBody } from "@/lib/api/body";
import { methodNotAllowed } from "@/lib/api/methods";
import { apiRoute } from "@/lib/api/route";
import { ingestBodyOptions } from "@/lib/telemetry/body";
import { ingestNativeBatch } from "@/lib/telemetry/native";

export const dynamic = "force-dynamic";

export const POST = apiRoute("ingest", async (request, { key }) => {
  const body = await readJsonBody(request, ingestBodyOptions());
  return NextResponse.json(await ingestNativeBatch(key.actor, body));
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);
