// OTLP/HTTP trace receiver (what OpenTelemetry exporters send to `<endpoint>/v1/traces`).
import { readBody, parseJsonBytes } from "@/lib/api/body";
import { methodNotAllowed } from "@/lib/api/methods";
import { apiRoute } from "@/lib/api/route";
import { ingestBodyOptions, otlpFormat } from "@/lib/telemetry/body";
import { ingestSpans } from "@/lib/telemetry/ingest";
import { decodeOtlpJson, decodeOtlpProtobuf, encodeOtlpResponse } from "@/lib/telemetry/otlp";

export const dynamic = "force-dynamic";

export const POST = apiRoute("ingest", async (request, { key }) => {
  const format = otlpFormat(request.headers.get("content-type"));
  const options = ingestBodyOptions();
  const body = await readBody(request, options);
  const spans = format === "protobuf" ? decodeOtlpProtobuf(body) : decodeOtlpJson(parseJsonBytes(body, options));
  const result = await ingestSpans(key.actor, spans);
  const payload = encodeOtlpResponse(result, format);
  return new Response(payload as BodyInit, {
    status: 200,
    headers: { "Content-Type": format === "protobuf" ? "application/x-protobuf" : "application/json" },
  });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["POST"]);
