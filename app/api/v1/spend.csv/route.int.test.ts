/**
 * GET /api/v1/spend.csv through its route handler and the real database: an
 * attachment with a header line whose rows (grouped or in detail) add up to
 * the JSON total, defused formula cells, the same access rules and 400s as
 * the JSON report.
 */
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as getJson } from "@/app/api/v1/spend/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { parseCsv, sumDecimals } from "@/lib/spend/csv";
import { hex } from "@/tests/factories/runs";
import { DELETE, GET } from "./route";

const keys = { spend: generateApiKey(), runs: generateApiKey() };
const noParams = { params: Promise.resolve({}) };
const tag = hex(3);
const team = `spend-csv-${tag}`;
const RANGE = "from=2015-06-01&to=2015-06-30";

const request = (path: string, query: string, key: string | null) =>
  new NextRequest(`http://localhost${path}?${query}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
const get = (query: string, key: string | null = keys.spend) => GET(request("/api/v1/spend.csv", query, key), noParams);

beforeAll(async () => {
  await db.apiKey.createMany({
    data: [
      { name: `spend csv ${tag}`, prefix: keys.spend.slice(0, 9), hash: hashApiKey(keys.spend), scopes: ["spend:read"] },
      { name: `runs only ${tag}`, prefix: keys.runs.slice(0, 9), hash: hashApiKey(keys.runs), scopes: ["runs:read"] },
    ],
  });
  const t = await db.team.create({ data: { name: team } });
  // Agent names are the agents' own: a hostile one must reach a spreadsheet as text.
  const evil = await db.agent.create({ data: { name: `=HYPERLINK("http://evil.example","x")-${tag}`, teamId: t.id } });
  const plain = await db.agent.create({ data: { name: `billing, "west"\n${tag}`, teamId: t.id } });
  let day = 1;
  for (const [agentId, cost] of [
    [evil.id, "0.100000001"],
    [plain.id, "0.200000002"],
    [evil.id, "1.333333333"],
    [plain.id, "0.000000001"],
  ] as const) {
    const d = `2015-06-${String(day++).padStart(2, "0")}`;
    await db.$executeRaw`
      INSERT INTO "SpendDaily" (day, "teamId", "agentId", model, calls, "inputTokens", "costUsd")
      VALUES (${d}::date, ${t.id}, ${agentId}, 'gpt-4o', 2, 20, ${cost}::numeric)`;
  }
});

describe("GET /api/v1/spend.csv", () => {
  it("is an attachment whose cost column adds up to the JSON total, for every grouping", async () => {
    for (const groupBy of ["day", "model", "agent", "team", "prompt"]) {
      const query = `${RANGE}&groupBy=${groupBy}&team=${encodeURIComponent(team)}`;
      const res = await get(query);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="flightdeck-spend-2015-06-01-to-2015-06-30-by-${groupBy}.csv"`);
      const [header, ...rows] = parseCsv(await res.text());
      expect(header).toEqual(["key", "calls", "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", "unpricedCalls"]);
      const json = (await (await getJson(request("/api/v1/spend", query, keys.spend), noParams)).json()) as { rows: unknown[]; total: { costUsd: number; calls: number } };
      expect(rows).toHaveLength(json.rows.length);
      expect(sumDecimals(rows.map((r) => r[5]!))).toBe("1.633333337");
      expect(Number(sumDecimals(rows.map((r) => r[5]!)))).toBe(json.total.costUsd);
      expect(rows.reduce((n, r) => n + Number(r[1]), 0)).toBe(json.total.calls);
    }
  });

  it("quotes and defuses hostile names", async () => {
    const text = await (await get(`${RANGE}&groupBy=agent&team=${encodeURIComponent(team)}`)).text();
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")-${tag}"`);
    const keysInFile = parseCsv(text).slice(1).map((r) => r[0]);
    expect(keysInFile).toEqual(expect.arrayContaining([`'=HYPERLINK("http://evil.example","x")-${tag}`, `billing, "west"\n${tag}`]));
  });

  it("with detail=true, one line per rollup row, still adding up", async () => {
    const res = await get(`${RANGE}&team=${encodeURIComponent(team)}&detail=true`);
    expect(res.headers.get("content-disposition")).toContain("-detail.csv");
    const [header, ...rows] = parseCsv(await res.text());
    expect(header!.slice(0, 5)).toEqual(["day", "team", "agent", "model", "prompt"]);
    expect(rows.map((r) => r[0])).toEqual(["2015-06-01", "2015-06-02", "2015-06-03", "2015-06-04"]);
    expect(rows.every((r) => r[1] === team)).toBe(true);
    expect(sumDecimals(rows.map((r) => r[9]!))).toBe("1.633333337");
  });

  it("has only the header for an empty range or unknown names", async () => {
    expect(await (await get(`${RANGE}&agent=nobody`)).text()).toBe("key,calls,inputTokens,outputTokens,cachedInputTokens,costUsd,unpricedCalls\r\n");
  });

  it("refuses what the JSON report refuses, as JSON", async () => {
    for (const [query, path] of [
      ["from=2015-07-01&to=2015-06-01", "to"],
      ["from=2013-01-01&to=2015-06-01", "from"],
      ["from=2015-06-31", "from"],
      ["groupBy=hour", "groupBy"],
      ["detail=maybe", "detail"],
      ["detail=true&detail=false", "detail"],
    ] as const) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
      expect(body.error.code).toBe("bad_request:spend_query");
      expect(body.error.details.map((d) => d.path)).toEqual([path]);
    }
    expect((await get(RANGE, keys.runs)).status).toBe(403);
    expect((await get(RANGE, null)).status).toBe(401);
    expect(DELETE(new Request("http://localhost/api/v1/spend.csv", { method: "DELETE" })).status).toBe(405);
  });
});
