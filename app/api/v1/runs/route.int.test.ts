/** GET /api/v1/runs against hostile query strings: every bad parameter is a 400 naming it, never a 500 or silently ignored. */
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { GET, POST } from "./route";

const key = generateApiKey();
const noParams = { params: Promise.resolve({}) };

beforeAll(async () => {
  await db.apiKey.create({ data: { name: "runs hostile", prefix: key.slice(0, 9), hash: hashApiKey(key), scopes: ["runs:read"] } });
});

const list = (query: string) => GET(new NextRequest(`http://localhost/api/v1/runs?${query}`, { headers: { Authorization: `Bearer ${key}` } }), noParams);

async function detailsOf(query: string) {
  const res = await list(query);
  expect(res.status, query).toBe(400);
  const body = (await res.json()) as { error: { code: string; details: { path: string; message: string }[] } };
  expect(body.error.code).toBe("bad_request:query");
  return body.error.details;
}

describe("GET /api/v1/runs with hostile query strings", () => {
  it("names a parameter holding a NUL character", async () => {
    expect(await detailsOf("agent=planner%00")).toEqual([{ path: "agent", message: expect.stringContaining("NUL") }]);
  });

  it("names an absurdly long parameter instead of passing it to the database", async () => {
    expect((await detailsOf(`cursor=${"A".repeat(100_000)}`))[0]?.path).toBe("cursor");
    expect((await detailsOf(`agent=${"a".repeat(2001)}`))[0]?.path).toBe("agent");
  });

  it("names a parameter given twice rather than picking one", async () => {
    expect(await detailsOf("status=failed&status=succeeded")).toEqual([{ path: "status", message: expect.stringContaining("more than once") }]);
  });

  it("names malformed values, all of them", async () => {
    const details = await detailsOf("traceId=xyz&limit=abc&from=yesterday");
    expect(details.map((d) => d.path).sort()).toEqual(["from", "limit", "traceId"]);
  });

  it("still answers a good query, ignoring unknown parameters", async () => {
    const res = await list("limit=1&utm_source=newsletter");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ data: expect.any(Array) });
  });

  it("answers POST with the JSON 405 and Allow", async () => {
    const res = POST(new NextRequest("http://localhost/api/v1/runs", { method: "POST" }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect(await res.json()).toMatchObject({ error: { code: "method_not_allowed:route" } });
  });
});
