/**
 * The API's error answers from the real Next server, where Next's own routing
 * decides: an unknown path under /api is a JSON 404 (not the console's HTML
 * page), a wrong method a JSON 405 with Allow (Next's own 405 has no body and
 * no Allow), an oversized body a 413; and /api/health, /api/auth/* and the
 * ETag'd OpenAPI document still answer as before next to the catch-all.
 */
import { expect, test } from "./fixtures";

const expectJsonError = async (response: import("@playwright/test").APIResponse, status: number, code: string) => {
  expect(response.status()).toBe(status);
  expect(response.headers()["content-type"]).toContain("application/json");
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toEqual(expect.any(String));
  return body.error;
};

test("an unknown path under /api answers a JSON 404, whatever the method and depth", async ({ request, initApiKey }) => {
  const auth = { Authorization: `Bearer ${initApiKey}` };
  const error = await expectJsonError(await request.get("/api/v1/no-such-thing", { headers: auth }), 404, "not_found:route");
  expect(error.message).toContain("/api/v1/no-such-thing");
  await expectJsonError(await request.post("/api/v2/runs/x/y/z", { data: {} }), 404, "not_found:route");
  await expectJsonError(await request.delete("/api/nope"), 404, "not_found:route");
  // A known prefix with an extra segment is not the known route.
  await expectJsonError(await request.get("/api/v1/runs/abc/steps", { headers: auth }), 404, "not_found:route");
});

test("a known path with a method it does not serve answers a JSON 405 with Allow", async ({ request, initApiKey }) => {
  const auth = { Authorization: `Bearer ${initApiKey}` };
  const runs = await request.post("/api/v1/runs", { headers: auth, data: {} });
  const error = await expectJsonError(runs, 405, "method_not_allowed:route");
  expect(error.message).toContain("GET");
  expect(runs.headers()["allow"]).toBe("GET, HEAD, OPTIONS");

  const prices = await request.delete("/api/v1/model-prices", { headers: auth });
  await expectJsonError(prices, 405, "method_not_allowed:route");
  expect(prices.headers()["allow"]).toBe("GET, HEAD, OPTIONS, POST");

  const ingest = await request.get("/api/v1/ingest", { headers: auth });
  await expectJsonError(ingest, 405, "method_not_allowed:route");
  expect(ingest.headers()["allow"]).toBe("OPTIONS, POST");

  const options = await request.fetch("/api/v1/model-prices", { method: "OPTIONS" });
  expect(options.status()).toBe(204);
  expect(options.headers()["allow"]).toBe("GET, HEAD, OPTIONS, POST");
});

test("a 2 MB model price is refused with 413 before it is parsed", async ({ request, initApiKey }) => {
  const response = await request.post("/api/v1/model-prices", {
    headers: { Authorization: `Bearer ${initApiKey}`, "Content-Type": "application/json" },
    data: JSON.stringify({ model: "x".repeat(2 * 1024 * 1024), inputPerMillion: 1, outputPerMillion: 1 }),
  });
  await expectJsonError(response, 413, "payload_too_large:body");
});

test("explicit routes still win over the catch-all: health, Auth.js, the ETag'd OpenAPI document", async ({ request }) => {
  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: "ok", database: "ok" });

  const csrf = await request.get("/api/auth/csrf");
  expect(csrf.status()).toBe(200);
  expect(await csrf.json()).toMatchObject({ csrfToken: expect.any(String) });
  expect((await request.get("/api/auth/session")).status()).toBe(200);

  const doc = await request.get("/api/v1/openapi.json");
  expect(doc.status()).toBe(200);
  expect(doc.headers()["cache-control"]).toBe("public, max-age=300");
  const etag = doc.headers()["etag"];
  expect(etag).toMatch(/^"[^"]+"$/);
  const again = await request.get("/api/v1/openapi.json", { headers: { "If-None-Match": etag! } });
  expect(again.status()).toBe(304);
  expect((await again.body()).byteLength).toBe(0);
  expect(again.headers()["etag"]).toBe(etag);
});
