/**
 * /api/v1/model-prices against hostile input, through the route handlers and
 * the real database: oversized bodies (declared and streamed), wrong content
 * types, wrong types, deep nesting, NUL characters, bad query parameters and
 * wrong methods all answer a 4xx in the error shape, never a 500.
 * (lib/spend/prices/prices.int.test.ts covers the happy paths.)
 */
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { DELETE, GET, OPTIONS, POST, PUT } from "./route";

const adminKey = generateApiKey();
const noParams = { params: Promise.resolve({}) };
const url = "http://localhost/api/v1/model-prices";

beforeAll(async () => {
  await db.apiKey.create({ data: { name: "prices hostile", prefix: adminKey.slice(0, 9), hash: hashApiKey(adminKey), scopes: ["admin"] } });
});

// A Request first: a streamed body needs `duplex`, which NextRequest's own init type lacks.
const post = (body: BodyInit, headers: Record<string, string> = { "Content-Type": "application/json" }) =>
  POST(new NextRequest(new Request(url, { method: "POST", headers: { Authorization: `Bearer ${adminKey}`, ...headers }, body, duplex: "half" } as RequestInit)), noParams);
const get = (query: string) => GET(new NextRequest(`${url}?${query}`, { headers: { Authorization: `Bearer ${adminKey}` } }), noParams);

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string; details?: { path: string; message: string }[] } };
  expect(body.error.code).toBe(code);
  return body.error;
}

/** ~2 MB of JSON in 64 kB chunks with no Content-Length, as a chunked upload arrives. */
function chunkedBody(totalBytes: number): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"model":"'));
      if (sent >= totalBytes) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

describe("POST /api/v1/model-prices with hostile bodies", () => {
  const valid = { model: "Hostile Test", inputPerMillion: 1, outputPerMillion: 2 };

  it("refuses a 2 MB body with 413, declared or streamed", async () => {
    const big = JSON.stringify({ ...valid, model: "x".repeat(2 * 1024 * 1024) });
    const declared = await expectError(await post(big), 413, "payload_too_large:body");
    expect(declared.message).toContain(String(1024 * 1024));
    await expectError(await post(chunkedBody(2 * 1024 * 1024)), 413, "payload_too_large:body");
  });

  it("refuses a body that is not declared JSON with 415", async () => {
    await expectError(await post(JSON.stringify(valid), {}), 415, "unsupported_media_type:content_type");
    await expectError(await post("model=x", { "Content-Type": "application/x-www-form-urlencoded" }), 415, "unsupported_media_type:content_type");
    await expectError(await post(JSON.stringify(valid), { "Content-Type": "application/json", "Content-Encoding": "gzip" }), 415, "unsupported_media_type:encoding");
  });

  it("refuses empty, malformed, deeply nested and NUL-bearing JSON with 400", async () => {
    await expectError(await post(""), 400, "bad_request:body");
    await expectError(await post('{"model": "x",'), 400, "bad_request:json");
    const deep = await expectError(await post(`{"model":${"[".repeat(10_000)}${"]".repeat(10_000)}}`), 400, "bad_request:json");
    expect(deep.message).toContain("nests deeper");
    const nul = await expectError(await post(JSON.stringify({ ...valid, model: "evil\u0000model" })), 400, "bad_request:json");
    expect(nul.message).toContain("NUL");
  });

  it("names each field of the wrong type, and refuses non-object bodies", async () => {
    const wrong = await expectError(await post(JSON.stringify({ model: 5, inputPerMillion: "1", outputPerMillion: null })), 400, "bad_request:model_price");
    expect(wrong.details!.map((d) => d.path).sort()).toEqual(["inputPerMillion", "model", "outputPerMillion"]);
    for (const body of ["[]", "null", "1", '"price"']) await expectError(await post(body), 400, "bad_request:model_price");
    await expectError(await post(JSON.stringify({ ...valid, inputPerMillion: 1e400 })), 400, "bad_request:model_price");
  });
});

describe("GET /api/v1/model-prices with hostile query strings", () => {
  it("names the parameter that holds a NUL, is absurdly long, or repeats", async () => {
    const nul = await expectError(await get("model=gpt%00-4o"), 400, "bad_request:model_price_query");
    expect(nul.details).toEqual([{ path: "model", message: expect.stringContaining("NUL") }]);
    const long = await expectError(await get(`model=${"a".repeat(5000)}`), 400, "bad_request:model_price_query");
    expect(long.details?.[0]?.path).toBe("model");
    const twice = await expectError(await get("status=current&status=superseded"), 400, "bad_request:model_price_query");
    expect(twice.details?.[0]).toEqual({ path: "status", message: expect.stringContaining("more than once") });
    const wrong = await expectError(await get("status=bogus&at=never"), 400, "bad_request:model_price_query");
    expect(wrong.details!.map((d) => d.path).sort()).toEqual(["at", "status"]);
  });
});

describe("other methods on /api/v1/model-prices", () => {
  it("answer 405 in the error shape with Allow; OPTIONS lists the methods", async () => {
    for (const handler of [PUT, DELETE]) {
      const res = handler(new NextRequest(url, { method: handler === PUT ? "PUT" : "DELETE" }));
      const error = await expectError(res, 405, "method_not_allowed:route");
      expect(error.message).toContain("GET or POST");
      expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS, POST");
    }
    expect(OPTIONS(new NextRequest(url, { method: "OPTIONS" })).headers.get("allow")).toBe("GET, HEAD, OPTIONS, POST");
  });
});
