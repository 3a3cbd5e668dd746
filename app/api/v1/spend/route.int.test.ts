/**
 * GET /api/v1/spend through its route handler and the real database: who may
 * read it (a key with spend:read or admin; 403 without the scope, 401 without
 * a valid key), the contract's JSON, and hostile query strings, which answer
 * 400 naming the field or an empty report, never a 500.
 */
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { createAgent, hex } from "@/tests/factories/runs";
import { GET, POST } from "./route";

const keys = { spend: generateApiKey(), admin: generateApiKey(), runs: generateApiKey(), revoked: generateApiKey() };
const noParams = { params: Promise.resolve({}) };
const tag = hex(3);
const team = `spend-api-${tag}`;
const RANGE = "from=2014-02-01&to=2014-02-28";

const get = (query: string, key: string | null = keys.spend) =>
  GET(new NextRequest(`http://localhost/api/v1/spend?${query}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} }), noParams);

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: { code: string; message: string; details?: { path: string; message: string }[] } };
  expect(body.error.code).toBe(code);
  return body.error;
}

beforeAll(async () => {
  const scopes: Record<keyof typeof keys, string[]> = { spend: ["spend:read"], admin: ["admin"], runs: ["runs:read", "ingest"], revoked: ["spend:read"] };
  for (const [name, key] of Object.entries(keys) as [keyof typeof keys, string][]) {
    await db.apiKey.create({
      data: { name: `spend api ${name} ${tag}`, prefix: key.slice(0, 9), hash: hashApiKey(key), scopes: scopes[name], revokedAt: name === "revoked" ? new Date() : null },
    });
  }
  const agent = await createAgent(db, { name: `spend-api-bot-${tag}`, teamName: team });
  await db.$executeRaw`
    INSERT INTO "SpendDaily" (day, "teamId", "agentId", model, "promptName", "promptVersion", calls, "unpricedCalls", "inputTokens", "outputTokens", "cachedInputTokens", "costUsd")
    VALUES ('2014-02-03', ${agent.teamId}, ${agent.id}, 'gpt-4o', 'triage', 2, 7, 1, 700, 70, 7, 1.234567891),
           ('2014-02-27', ${agent.teamId}, ${agent.id}, 'gpt-4o-mini', '', 0, 3, 0, 30, 3, 0, 0.000000009)`;
});

describe("GET /api/v1/spend: access", () => {
  it("answers keys with spend:read or admin", async () => {
    expect((await get(`${RANGE}&team=${team}`)).status).toBe(200);
    expect((await get(`${RANGE}&team=${team}`, keys.admin)).status).toBe(200);
  });

  it("refuses a key without spend:read with 403, and no key or a revoked one with 401", async () => {
    await expectError(await get(RANGE, keys.runs), 403, "forbidden:api_key");
    await expectError(await get(RANGE, null), 401, "unauthorized:api_key");
    await expectError(await get(RANGE, keys.revoked), 401, "unauthorized:api_key");
    await expectError(await get(RANGE, "fd_not-a-real-key"), 401, "unauthorized:api_key");
  });

  it("serves GET only", async () => {
    const res = POST(new Request("http://localhost/api/v1/spend", { method: "POST" }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});

describe("GET /api/v1/spend: the report", () => {
  it("answers the contract's rows and total, costs exact", async () => {
    const res = await get(`${RANGE}&groupBy=prompt&team=${team}`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({
      from: "2014-02-01",
      to: "2014-02-28",
      groupBy: "prompt",
      rows: [
        { key: "triage@2", label: "triage v2", calls: 7, inputTokens: 700, outputTokens: 70, cachedInputTokens: 7, costUsd: 1.234567891, unpricedCalls: 1 },
        { key: "", label: "No prompt", calls: 3, inputTokens: 30, outputTokens: 3, cachedInputTokens: 0, costUsd: 0.000000009, unpricedCalls: 0 },
      ],
      total: { calls: 10, inputTokens: 730, outputTokens: 73, cachedInputTokens: 7, costUsd: 1.2345679, unpricedCalls: 1 },
      unpricedModels: [{ model: "gpt-4o", calls: 1 }],
    });
    const byDay = (await (await get(`${RANGE}&team=${team}`)).json()) as { groupBy: string; rows: { key: string }[] };
    expect(byDay.groupBy).toBe("day");
    expect(byDay.rows.map((r) => r.key)).toEqual(["2014-02-03", "2014-02-27"]);
  });

  it("defaults to the last 30 days", async () => {
    const body = (await (await get(`team=${team}`)).json()) as { from: string; to: string };
    const today = new Date().toISOString().slice(0, 10);
    expect(body.to).toBe(today);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(29 * 86_400_000);
  });

  it("gives an empty report for unknown names and SQL metacharacters", async () => {
    for (const value of ["nobody", "' OR 1=1 --", "%25", "_", "\\", "\"; DELETE FROM \"SpendDaily\"; --", "💸"]) {
      const res = await get(`${RANGE}&agent=${encodeURIComponent(value)}`);
      expect(res.status, value).toBe(200);
      const body = (await res.json()) as { rows: unknown[]; total: { calls: number } };
      expect(body.rows, value).toEqual([]);
      expect(body.total.calls).toBe(0);
    }
    expect(await db.$queryRaw`SELECT count(*)::int AS n FROM "SpendDaily" WHERE day = '2014-02-03'`).toEqual([{ n: 1 }]);
  });
});

describe("GET /api/v1/spend: hostile query strings", () => {
  const field = async (query: string) => (await expectError(await get(query), 400, "bad_request:spend_query")).details!.map((d) => d.path);

  it("names a malformed day", async () => {
    for (const from of ["2014-2-01", "2014-02-30", "01/02/2014", "2014-02-01T00:00:00Z", "0000-01-01", "99999-01-01", "today", "", "2014-02-01%00"]) {
      const query = from === "" ? "from=%20&to=2014-02-28" : `from=${from}&to=2014-02-28`;
      expect(await field(query), from).toEqual(["from"]);
    }
  });

  it("refuses from after to, and a range over 366 days", async () => {
    const reversed = await expectError(await get("from=2014-03-01&to=2014-02-01"), 400, "bad_request:spend_query");
    expect(reversed.details).toEqual([{ path: "to", message: expect.stringContaining("before the start") }]);
    expect(await field("from=2012-01-01&to=2014-01-01")).toEqual(["from"]);
    expect(await field("from=1970-01-01&to=9999-12-31")).toEqual(["from"]);
    expect((await get("from=2013-03-01&to=2014-02-28")).status).toBe(200); // 365 days
  });

  it("refuses unknown groupings, repeated parameters, long values and NUL", async () => {
    expect(await field("groupBy=week")).toEqual(["groupBy"]);
    expect(await field("groupBy=5")).toEqual(["groupBy"]);
    expect(await field("groupBy=day&groupBy=team")).toEqual(["groupBy"]);
    expect(await field("from=2014-02-01&from=2014-02-02")).toEqual(["from"]);
    expect(await field(`agent=${"a".repeat(201)}`)).toEqual(["agent"]);
    expect(await field(`team=${"t".repeat(5000)}`)).toEqual(["team"]);
    expect(await field("model=gpt%00")).toEqual(["model"]);
  });

  it("ignores parameters it does not know", async () => {
    expect((await get(`${RANGE}&team=${team}&sort=cost&__proto__=x`)).status).toBe(200);
  });
});
