/** GET/POST /api/v1/model-prices through the route handlers, against the real database, with their audit events. */
import { randomBytes } from "node:crypto";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET, POST } from "@/app/api/v1/model-prices/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";

const adminKey = generateApiKey();
const spendKey = generateApiKey();
const ingestKey = generateApiKey();
const noParams = { params: Promise.resolve({}) };
// Patterns of this file only: the price table is shared with other test files.
const family = `acme-test-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  await db.apiKey.createMany({
    data: [
      { name: "prices admin", prefix: adminKey.slice(0, 9), hash: hashApiKey(adminKey), scopes: ["admin"] },
      { name: "prices finance", prefix: spendKey.slice(0, 9), hash: hashApiKey(spendKey), scopes: ["spend:read"] },
      { name: "prices ingest", prefix: ingestKey.slice(0, 9), hash: hashApiKey(ingestKey), scopes: ["ingest"] },
    ],
  });
});

const get = (query = "", key: string | null = spendKey) =>
  GET(new NextRequest(`http://localhost/api/v1/model-prices${query}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} }), noParams);

const post = (body: unknown, key = adminKey) =>
  POST(
    new NextRequest("http://localhost/api/v1/model-prices", {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    noParams,
  );

interface PriceJson {
  id: string;
  model: string;
  matchPattern: string;
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion: number | null;
  effectiveFrom: string;
  status?: string;
  supersededAt?: string | null;
}

describe("model prices API", () => {
  it("answers 401 without a key and 403 for a key without spend:read or admin", async () => {
    expect((await get("", null)).status).toBe(401);
    const res = await get("", ingestKey);
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("forbidden:api_key");
    expect((await post({ model: "x", inputPerMillion: 1, outputPerMillion: 1 }, spendKey)).status).toBe(403);
  });

  it("adds a price (admin), audits it, and a later row supersedes the earlier one from its date", async () => {
    const first = await post({ model: "Acme Test", matchPattern: `${family}*`, inputPerMillion: 4, outputPerMillion: 12, cachedInputPerMillion: 1, effectiveFrom: "2025-01-01" });
    expect(first.status).toBe(201);
    const created = (await first.json()) as PriceJson;
    expect(created).toEqual({
      id: expect.any(String),
      model: "Acme Test",
      matchPattern: `${family}*`,
      inputPerMillion: 4,
      outputPerMillion: 12,
      cachedInputPerMillion: 1,
      effectiveFrom: "2025-01-01T00:00:00.000Z",
    });
    const second = await post({ model: "Acme Test", matchPattern: `${family}*`, inputPerMillion: 3, outputPerMillion: 9, effectiveFrom: "2025-09-01T00:00:00Z" });
    expect(second.status).toBe(201);
    const newer = (await second.json()) as PriceJson;
    expect(newer.cachedInputPerMillion).toBeNull();

    const audit = await db.auditEvent.findFirst({ where: { action: "model_price.create", targetId: newer.id } });
    expect(audit?.actorType).toBe("API_KEY");
    expect(audit?.actorLabel).toBe("prices admin");
    expect(audit?.before).toMatchObject({ id: created.id, inputPerMillion: 4 });
    expect(audit?.after).toMatchObject({ id: newer.id, inputPerMillion: 3 });

    const list = (await (await get()).json()) as { data: PriceJson[] };
    const mine = list.data.filter((p) => p.matchPattern === `${family}*`);
    expect(mine.map((p) => [p.inputPerMillion, p.status, p.supersededAt])).toEqual([
      [3, "current", null],
      [4, "superseded", "2025-09-01T00:00:00.000Z"],
    ]);
    const current = (await (await get("?status=superseded")).json()) as { data: PriceJson[] };
    expect(current.data.some((p) => p.id === newer.id)).toBe(false);
  });

  it("resolves a model name to the price in force at a time, exact beating glob; unknown models are unpriced", async () => {
    await post({ model: "Acme Test Pro", matchPattern: `${family}-pro`, inputPerMillion: 10, outputPerMillion: 30, effectiveFrom: "2025-01-01" });
    const at = async (model: string, when: string) => (await (await get(`?model=${encodeURIComponent(model)}&at=${when}`)).json()) as { unpriced: boolean; data: PriceJson[] };
    expect((await at(`${family}-mini-2025-03-01`, "2025-06-01")).data[0]?.inputPerMillion).toBe(4);
    expect((await at(`${family}-mini-2025-03-01`, "2025-10-01")).data[0]?.inputPerMillion).toBe(3);
    expect((await at(`vendor/${family}-pro`, "2025-10-01")).data[0]?.inputPerMillion).toBe(10);
    const unknown = await at("no-such-model-xyz", "2025-10-01");
    expect(unknown).toMatchObject({ unpriced: true, data: [] });
    expect((await at(`${family}-mini`, "2024-06-01")).unpriced).toBe(true);
  });

  it("rejects bad input with 400 and details, and a duplicate effective date with 409", async () => {
    const bad = await post({ model: "", inputPerMillion: -1, outputPerMillion: "ten", effectiveFrom: "tomorrow" });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe("bad_request:model_price");
    expect(body.error.details.map((d) => d.path).sort()).toEqual(["effectiveFrom", "inputPerMillion", "model", "outputPerMillion"]);
    expect((await post("{not json")).status).toBe(400);
    expect((await post({ model: "x", inputPerMillion: 1, outputPerMillion: 1, extra: true })).status).toBe(400);
    expect((await post({ model: "x", matchPattern: "*", inputPerMillion: 1, outputPerMillion: 1 })).status).toBe(400);
    const dup = await post({ model: "Acme Test", matchPattern: `${family}*`, inputPerMillion: 5, outputPerMillion: 5, effectiveFrom: "2025-01-01" });
    expect(dup.status).toBe(409);
    expect((await dup.json()).error.code).toBe("conflict:model_price");
    expect((await get("?at=yesterday")).status).toBe(400);
  });
});
