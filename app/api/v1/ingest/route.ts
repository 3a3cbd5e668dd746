// Native batch ingestion: runs, steps and evaluations as JSON (see lib/telemetry/schemas.ts).
// The envelope and each item are validated in lib/telemetry/native.ts, which reports bad items by index.
// Bodies count against the process's ingestion memory bound (lib/telemetry/inflight.ts): 429 + Retry-After past it.
import { NextResponse } from "next/server";
import { isJsonContentType, parseJsonBytes, readBody } from "@/lib/api/body";
import { methodNotAllowed } from "@/lib/api/methods";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { ingestBodyOptions } from "@/lib/telemetry/body";
import { withIngestInflight } from "@/lib/telemetry/inflight";
import { ingestNativeBatch } from "@/lib/telemetry/native";

export const dynamic = "force-dynamic";

export const POST = apiRoute("ingest", (request, { key }) =>
  withIngestInflight(request, async (counted, lease) => {
    // readJsonBody's steps, with the decompressed size reported to the lease between reading and parsing.
    if (!isJsonContentType(request.headers.get("content-type"))) {
      throw new AppError("unsupported_media_type:content_type", "Content-Type must be application/json.");
    }
    const options = ingestBodyOptions();
    const bytes = await readBody(counted, options);
    lease.atLeast(bytes.byteLength);
    return NextResponse.json(await ingestNativeBatch(key.actor, parseJsonBytes(bytes, options)));
  }),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);
