/**
 * Conditional GET for JSON resources that clients poll (this API's document,
 * prompts, agent status): a strong ETag over the serialised body, `304 Not
 * Modified` with no body when `If-None-Match` matches, and Cache-Control.
 * A poller that sends back the ETag costs one hash and a header, no transfer.
 */
import { createHash } from "node:crypto";

export interface ConditionalOptions {
  /** Seconds a client may reuse the answer without asking again. */
  maxAge: number;
  /** `public` only for what anyone may read (the OpenAPI document); keyed answers stay `private`. Default `private`. */
  visibility?: "public" | "private";
  /** A precomputed validator (e.g. a version number); quoted if bare. Default: a hash of the serialised body. */
  etag?: string;
  /** Extra headers for both the 200 and the 304. */
  headers?: HeadersInit;
}

/** A strong ETag: 128 bits of SHA-256 over the exact bytes sent, so equal bodies share it across instances. */
export function etagOf(serialised: string): string {
  return `"${createHash("sha256").update(serialised).digest("base64url").slice(0, 22)}"`;
}

/** `abc` → `"abc"`; `"abc"` and `W/"abc"` unchanged. */
function normaliseEtag(etag: string): string {
  return /^(W\/)?"[^"]*"$/.test(etag) ? etag : `"${etag.replaceAll('"', "")}"`;
}

/** The opaque tags of an If-None-Match value (`*` as itself); `W/` dropped, since If-None-Match compares weakly. */
export function parseIfNoneMatch(header: string): string[] {
  if (header.trim() === "*") return ["*"];
  const tags: string[] = [];
  // A quoted tag may itself contain commas, so match quoted tags rather than split on ",".
  const pattern = /[\s,]*(?:W\/)?("[^"]*"|[^,\s]+)\s*(?:,|$)/gy;
  for (let match = pattern.exec(header); match; match = pattern.exec(header)) {
    tags.push(match[1]!.startsWith('"') ? match[1]! : `"${match[1]}"`);
  }
  return tags;
}

/** RFC 9110 §13.1.2: weak comparison, so `W/"x"` matches `"x"`; `*` matches any current representation. */
export function ifNoneMatchMatches(header: string | null, etag: string): boolean {
  if (header === null) return false;
  const opaque = etag.replace(/^W\//, "");
  return parseIfNoneMatch(header).some((tag) => tag === "*" || tag === opaque);
}

/** A JSON answer with ETag and Cache-Control, or a bodiless 304 when the client already holds it (GET and HEAD only). */
export function conditionalJson(request: Request, body: unknown, options: ConditionalOptions): Response {
  return conditionalSerialised(request, JSON.stringify(body), options);
}

/** The same for JSON already serialised (a cached answer, with its ETag in `options.etag`). */
export function conditionalSerialised(request: Request, serialised: string, options: ConditionalOptions): Response {
  const etag = options.etag === undefined ? etagOf(serialised) : normaliseEtag(options.etag);
  const headers = new Headers(options.headers);
  headers.set("ETag", etag);
  headers.set("Cache-Control", `${options.visibility ?? "private"}, max-age=${Math.max(0, Math.floor(options.maxAge))}`);
  const safe = request.method === "GET" || request.method === "HEAD";
  if (safe && ifNoneMatchMatches(request.headers.get("if-none-match"), etag)) {
    return new Response(null, { status: 304, headers });
  }
  headers.set("Content-Type", "application/json");
  return new Response(serialised, { status: 200, headers });
}
