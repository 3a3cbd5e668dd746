// OTLP/HTTP trace receiver (what OpenTelemetry exporters send to `<endpoint>/v1/traces`).
// Bodies count against the process's ingestion memory bound (lib/telemetry/inflight.ts): 429 + Retry-After past it.
import { readBody, parseJsonBytes } from "@/lib/api/body";
import { methodNotAllowed } from "@/lib/api/methods";
import { apiRoute } from "@/lib/api/route";
import { ingestBodyOptions, otlpFormat } from "@/lib/telemetry/body";
import { withIngestInflight } from "@/lib/telemetry/inflight";
import { ingestSpans } from "@/lib/telemetry/ingest";
import { decodeOtlpJson, decodeOtlpProtobuf, encodeOtlpResponse } from "@/lib/telemetry/otlp";

export const dynamic = "force-dynamic";

export const POST = apiRoute("ingest", (request, { key }) =>
  withIngestInflight(request, async (counted, lease) => {
    const format = otlpFormat(request.headers.get("content-type"));
    const options = ingestBodyOptions();
    const body = await readBody(counted, options);
    lease.atLeast(body.byteLength); // gzip: what it inflated to
    const spans = format === "protobuf" ? decodeOtlpProtobuf(body) : decodeOtlpJson(parseJsonBytes(body, options));
    const result = await ingestSpans(key.actor, spans);
    const payload = encodeOtlpResponse(result, format);
    return new Response(payload as BodyInit, {
      status: 200,
      headers: { "Content-Type": format === "protobuf" ? "application/x-protobuf" : "application/json" },
    });
  }),
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);
