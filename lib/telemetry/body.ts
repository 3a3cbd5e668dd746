/**
 * How the ingestion routes read their bodies: the OTLP content negotiation
 * (protobuf or JSON) and the limits both ingestion routes share. The bounded
 * reading itself is lib/api/body.ts, the one reader of every API route.
 */
import type { JsonBodyOptions } from "@/lib/api/body";
import { readEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * Telemetry nests deeper than API bodies: tool arguments and messages sit a few
 * levels into the batch, and each level of an OTLP AnyValue kvlist/array costs
 * three levels of JSON. Still bounded, for the reason given in lib/api/body.ts.
 */
export const INGEST_MAX_JSON_DEPTH = 128;

/** INGEST_MAX_BODY_BYTES before and after gzip (exporters compress), named in the 413 message. */
export function ingestBodyOptions(): Required<Pick<JsonBodyOptions, "limit" | "allowGzip" | "limitName" | "maxDepth" | "allowNul">> {
  // A NUL is refused per span or item by the mapping (one bad span never costs its batch), not for the whole body.
  return { limit: readEnv().INGEST_MAX_BODY_BYTES, allowGzip: true, limitName: "INGEST_MAX_BODY_BYTES", maxDepth: INGEST_MAX_JSON_DEPTH, allowNul: true };
}

export type BodyFormat = "protobuf" | "json";

/** `application/x-protobuf` or `application/json` (parameters such as charset are ignored); else 415. */
export function otlpFormat(contentType: string | null): BodyFormat {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  throw new AppError(
    "unsupported_media_type:content_type",
    `Content-Type must be application/x-protobuf or application/json${type ? `, not ${type}` : ""}.`,
  );
}
