/**
 * The one bounded request-body reader of the HTTP API. Every route reads its
 * body through here, never with `request.text()`/`request.json()` (which read
 * any size): the declared Content-Length is checked first, the stream is cut
 * off as soon as it passes the limit, and gzip decompression stops at the limit
 * too, so neither a large upload nor a small gzip bomb lands in memory.
 * JSON bodies are also checked for a JSON content type, emptiness, syntax, NUL
 * characters and nesting depth, each answered with its own 4xx.
 */
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { AppError } from "@/lib/errors";

const gunzipAsync = promisify(gunzip);

/** Default limit for API JSON bodies (ingestion has INGEST_MAX_BODY_BYTES instead). */
export const DEFAULT_JSON_BODY_LIMIT = 1024 * 1024;
/**
 * Default nesting limit for JSON bodies. Recursive code downstream (zod,
 * JSON.stringify before storage, rendering) would overflow the stack on a
 * body of a million nested brackets; no real payload nests this deep.
 */
export const DEFAULT_JSON_MAX_DEPTH = 64;

export interface ReadBodyOptions {
  /** Most bytes accepted, before and (with gzip) after decompression. */
  limit: number;
  /** Accept `Content-Encoding: gzip` (ingestion: exporters compress); otherwise 415. */
  allowGzip?: boolean;
  /** Named in the 413 message so an operator knows which setting to raise, e.g. "INGEST_MAX_BODY_BYTES". */
  limitName?: string;
}

function tooLarge(options: ReadBodyOptions, what: string): AppError {
  const setting = options.limitName ? ` (${options.limitName})` : "";
  return new AppError("payload_too_large:body", `The ${what} is larger than the limit of ${options.limit} bytes${setting}.`);
}

/** The body's bytes within `limit`: 413 when over it (declared, streamed or decompressed), 415 for an unsupported encoding. */
export async function readBody(request: Request, options: ReadBodyOptions): Promise<Uint8Array> {
  const { limit } = options;
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(options, "request body");

  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  const gzip = encoding === "gzip";
  if (!(encoding === "identity" || encoding === "" || (gzip && options.allowGzip))) {
    const supported = options.allowGzip ? "send gzip or no encoding" : "send the body uncompressed";
    throw new AppError("unsupported_media_type:encoding", `Content-Encoding "${encoding}" is not supported; ${supported}.`);
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
        // Stop reading: a lying or absent Content-Length must not make us buffer the rest.
        await reader.cancel().catch(() => {});
        throw tooLarge(options, "request body");
      }
      chunks.push(value);
    }
  }
  const raw = Buffer.concat(chunks, size);
  if (!gzip) return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(options, "decompressed request body");
    throw new AppError("bad_request:gzip", "The body is not valid gzip data (Content-Encoding: gzip).");
  }
}

/** `application/json`, or a `+json` type such as `application/merge-patch+json`; parameters (charset) ignored. */
export function isJsonContentType(contentType: string | null): boolean {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

export interface JsonBodyOptions {
  /** Default 1 MiB. */
  limit?: number;
  allowGzip?: boolean;
  limitName?: string;
  /** Default 64. */
  maxDepth?: number;
  /**
   * Accept `\u0000` in strings (default false: a 400). Ingestion sets it: its mapping
   * rejects the one span or item carrying a NUL and stores the rest of the batch.
   */
  allowNul?: boolean;
}

/** Reads and parses a JSON body: 415 unless the Content-Type is JSON, 413 over the limit, 400 when empty, malformed, NUL-bearing or too deep. */
export async function readJsonBody(request: Request, options: JsonBodyOptions = {}): Promise<unknown> {
  if (!isJsonContentType(request.headers.get("content-type"))) {
    throw new AppError("unsupported_media_type:content_type", "Content-Type must be application/json.");
  }
  const bytes = await readBody(request, {
    limit: options.limit ?? DEFAULT_JSON_BODY_LIMIT,
    allowGzip: options.allowGzip,
    limitName: options.limitName,
  });
  return parseJsonBytes(bytes, { maxDepth: options.maxDepth, allowNul: options.allowNul });
}

/** Parses bytes already read (e.g. OTLP/JSON after content negotiation) with the same checks as readJsonBody. */
export function parseJsonBytes(bytes: Uint8Array, options: { maxDepth?: number; allowNul?: boolean } = {}): unknown {
  const maxDepth = options.maxDepth ?? DEFAULT_JSON_MAX_DEPTH;
  // Scan before parsing: JSON.parse would build the deep structure first, and recursion after it would overflow.
  const scan = scanJson(bytes, maxDepth);
  if (scan === "empty") throw new AppError("bad_request:body", "The request body is empty; send JSON.");
  if (scan === "too_deep") {
    throw new AppError("bad_request:json", `The JSON body nests deeper than ${maxDepth} levels of arrays and objects.`);
  }
  if (scan === "nul" && !options.allowNul) {
    // PostgreSQL text and jsonb cannot hold U+0000: refuse it here rather than fail on the write with a 500.
    throw new AppError("bad_request:json", "The JSON body contains a NUL character (\\u0000) in a string; remove it.");
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError("bad_request:json", "The request body is not valid UTF-8.");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request:json", "The request body is not valid JSON.");
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * One pass over the raw bytes: nesting depth outside strings, `\u0000`
 * escapes inside them, and whether there is anything but whitespace. Not a
 * validator (JSON.parse is); multi-byte UTF-8 never contains these ASCII bytes.
 */
function scanJson(bytes: Uint8Array, maxDepth: number): "ok" | "empty" | "too_deep" | "nul" {
  let depth = 0;
  let inString = false;
  let content = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) {
        if (bytes[i + 1] === 0x75 /* u */ && isZeroEscape(bytes, i + 2)) return "nul";
        i++; // the escaped character cannot end the string
      } else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    content = true;
    if (b === QUOTE) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > maxDepth) return "too_deep";
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return content ? "ok" : "empty";
}

function isZeroEscape(bytes: Uint8Array, at: number): boolean {
  for (let k = 0; k < 4; k++) if (bytes[at + k] !== 0x30) return false;
  return true;
}
