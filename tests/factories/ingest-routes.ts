/**
 * The two ingestion route handlers as tests call them: an ingest-scoped API
 * key created once per file, and requests built as Next builds them (the
 * handlers read the body, negotiate the format and answer as in production).
 */
import { NextRequest } from "next/server";
import { POST as otlpPost } from "@/app/api/otel/v1/traces/route";
import { POST as nativePost } from "@/app/api/v1/ingest/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";

const noParams = { params: Promise.resolve({}) };

/** Creates an API key with the `ingest` scope; returns the secret to send. */
export async function createIngestKey(name: string): Promise<string> {
  const key = generateApiKey();
  await db.apiKey.create({ data: { name, prefix: key.slice(0, 9), hash: hashApiKey(key), scopes: ["ingest"] } });
  return key;
}

/** POST /api/otel/v1/traces with a JSON body (given as text or as a value) or protobuf bytes. */
export function postOtlp(key: string, body: string | Uint8Array | object): Promise<Response> {
  const protobuf = body instanceof Uint8Array;
  return otlpPost(
    new NextRequest("http://localhost/api/otel/v1/traces", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": protobuf ? "application/x-protobuf" : "application/json" },
      body: protobuf ? Buffer.from(body) : typeof body === "string" ? body : JSON.stringify(body),
    }),
    noParams,
  );
}

/** POST /api/v1/ingest with a JSON body (given as text or as a value). */
export function postNative(key: string, body: string | object): Promise<Response> {
  return nativePost(
    new NextRequest("http://localhost/api/v1/ingest", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    noParams,
  );
}
