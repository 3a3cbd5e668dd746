// OTLP/HTTP trace receiver (what OpenTelemetry exporters send to `<endpoint>/v1/traces`).
import { apiRoute } from "@/lib/api/route";
import { readEnv } from "@/lib/env";
import { otlpFormat, parseJsonBody, readLimitedBody } from "@/lib/telemetry/body";
import { ingestSpans } from "@/lib/telemetry/ingest";
import { decodeOtlpJson, decodeOtlpProtobuf, encodeOtlpResponse } from "@/lib/telemetry/otlp";

export const dynamic = "force-dynamic";

export const POST = apiRoute("ingest", async (request, { key }) => {
  const format = otlpFormat(request.headers.get("content-type"));
  const body = await readLimitedBody(request, readEnv().INGEST_MAX_BODY_BYTES);
  const spans = format === "protobuf" ? decodeOtlpProtobuf(body) : decodeOtlpJson(parseJsonBody(body));
  const result = await ingestSpans(key.actor, spans);
  const payload = encodeOtlpResponse(result, format);
  return new Response(payload as BodyInit, {
    status: 200,
    headers: { "Content-Type": format === "protobuf" ? "application/x-protobuf" : "application/json" },
  });
});
