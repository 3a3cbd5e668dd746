/**
 * Reads an ingestion request body within INGEST_MAX_BODY_BYTES, before and
 * after gzip: the declared Content-Length is checked first, the stream is cut
 * off as soon as it passes the limit, and decompression stops at the limit
 * too, so a small gzip bomb cannot inflate into memory.
 */
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { AppError } from "@/lib/errors";

const gunzipAsync = promisify(gunzip);

function tooLarge(limit: number, what: string): AppError {
  return new AppError("payload_too_large:body", `The ${what} is larger than the limit of ${limit} bytes (INGEST_MAX_BODY_BYTES).`);
}

export async function readLimitedBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit, "request body");

  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "gzip" && encoding !== "identity" && encoding !== "") {
    throw new AppError("unsupported_media_type:encoding", `Content-Encoding "${encoding}" is not supported; send gzip or no encoding.`);
  }

  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit, "request body");
      }
      chunks.push(value);
    }
  }
  const raw = Buffer.concat(chunks, size);
  if (encoding !== "gzip") return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(limit, "decompressed request body");
    throw new AppError("bad_request:gzip", "The body is not valid gzip data (Content-Encoding: gzip).");
  }
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

export function parseJsonBody(body: Uint8Array): unknown {
  const text = new TextDecoder().decode(body);
  if (!text.trim()) throw new AppError("bad_request:body", "The request body is empty; send JSON.");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request:json", "The request body is not valid JSON.");
  }
}
