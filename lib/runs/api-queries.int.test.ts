/**
 * GET /api/v1/runs with dates and cursors that parse in JavaScript but lie
 * outside what a run can have (or PostgreSQL can hold): 400s naming the
 * parameter, never a query that fails with a 500.
 */
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/runs/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { encodeCursor } from "@/lib/ids";

const key = generateApiKey();
const noParams = { params: Promise.resolve({}) };

beforeAll(async () => {
  await db.apiKey.create({ data: { name: "runs ranges", prefix: key.slice(0, 9), hash: hashApiKey(key), scopes: ["runs:read"] } });
});

async function errorOf(query: string) {
  const res = await GET(new NextRequest(`http://localhost/api/v1/runs?${query}`, { headers: { Authorization: `Bearer ${key}` } }), noParams);
  expect(res.status, query).toBe(400);
  return ((await res.json()) as { error: { code: string; details: { path: string; message: string }[] } }).error;
}

const id = "c" + "a".repeat(24);

describe("GET /api/v1/runs with out-of-range times", () => {
  it.each(["from=0000-01-01", "to=275760-09-13", "from=%2B275760-09-13T00:00:00Z", "to=1969-12-31T23:59:59Z", "from=2026-02-31"])(
    "names the date of %s",
    async (query) => {
      const error = await errorOf(query);
      expect(error.code).toBe("bad_request:query");
      expect(error.details.map((d) => d.path)).toEqual([query.slice(0, query.indexOf("="))]);
    },
  );

  it.each([
    ["garbage", "not-a-cursor"],
    ["a time PostgreSQL cannot hold", encodeCursor("-271821-04-20T00:00:00.000Z", id)],
    ["a year beyond 9999", encodeCursor("+275760-09-13T00:00:00.000Z", id)],
    ["a number where a time belongs", encodeCursor(12, id)],
  ])("names a cursor holding %s", async (_label, cursor) => {
    const error = await errorOf(`cursor=${encodeURIComponent(cursor)}`);
    expect(error.code).toBe("bad_request:cursor");
    expect(error.details).toEqual([{ path: "cursor", message: expect.any(String) }]);
  });
});
