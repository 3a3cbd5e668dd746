/**
 * API keys end to end: created in Settings with scopes and shown once, used
 * against the API (200 / 401 / 403 in the JSON error shape), "last used"
 * recorded, revoked behind a confirmation, after which the key gets 401.
 */
import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";

const whoami = (request: APIRequestContext, authorization?: string, query = "") =>
  request.get(`/api/v1/whoami${query}`, { headers: authorization === undefined ? {} : { Authorization: authorization } });

async function expectJsonError(response: Awaited<ReturnType<typeof whoami>>, status: number, code: string) {
  expect(response.status()).toBe(status);
  expect(response.headers()["content-type"]).toContain("application/json");
  const body: unknown = await response.json();
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  return body as { error: { code: string; message: string } };
}

test("an admin creates a scoped key, an agent uses it, and the admin revokes it", async ({ asAdmin: page, request }) => {
  const name = `e2e-agent-${Date.now()}`;
  await page.goto("/settings");
  const form = page.getByRole("form", { name: "Create an API key" });
  await form.getByLabel("Key name").fill(name);
  await expect(form.getByRole("checkbox", { name: /^ingest/ })).toBeChecked();
  await form.getByRole("checkbox", { name: /^runs:read/ }).check();
  await form.getByRole("button", { name: "Create key" }).click();

  // Shown once, in full.
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toContainText(`Copy the key “${name}” now: it will not be shown again.`);
  const secret = (await page.getByTestId("new-api-key-value").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^fd_[0-9A-Za-z]{32}$/);
  const prefix = secret.slice(0, 9);
  const row = page.getByTestId(`api-key-row-${name}`);
  await expect(row).toContainText(`${prefix}…`);
  await expect(row).toContainText("ingest");
  await expect(row).toContainText("runs:read");
  await expect(row).toContainText("active");
  await expect(row.getByTestId("api-key-last-used")).toHaveText("never");

  // Never again after a reload: only the prefix is left.
  await page.reload();
  await expect(row).toContainText(`${prefix}…`);
  await expect(shown).toHaveCount(0);
  expect(await page.content()).not.toContain(secret.slice(prefix.length));

  // An agent checks its key at startup.
  const ok = await whoami(request, `Bearer ${secret}`, "?requireScope=runs:read");
  expect(ok.status()).toBe(200);
  const me = (await ok.json()) as { key: { id: string } };
  expect(me).toEqual({ key: { id: expect.any(String), name, prefix, scopes: ["ingest", "runs:read"] }, requiredScopeGranted: true });
  expect((await (await whoami(request, `Bearer ${secret}`)).json()) as unknown).toEqual({
    key: { id: me.key.id, name, prefix, scopes: ["ingest", "runs:read"] },
  });

  // "Last used" is written just after the answer, so reload until it shows.
  await expect(async () => {
    await page.reload();
    await expect(row.getByTestId("api-key-last-used").locator("time")).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 10_000 });
  await expect(row.getByTestId("api-key-last-used")).toContainText(new Date().toISOString().slice(0, 10));

  // A scope the key lacks: 403; no key, a malformed header or a wrong key: 401.
  const forbidden = await expectJsonError(await whoami(request, `Bearer ${secret}`, "?requireScope=budgets:check"), 403, "forbidden:api_key");
  expect(forbidden.error.message).toContain("budgets:check");
  await expectJsonError(await whoami(request, `Bearer ${secret}`, "?requireScope=no-such-scope"), 400, "bad_request:scope");
  await expectJsonError(await whoami(request), 401, "unauthorized:api_key");
  await expectJsonError(await whoami(request, `Basic ${secret}`), 401, "unauthorized:api_key");
  await expectJsonError(await whoami(request, `Bearer fd_${"x".repeat(32)}`), 401, "unauthorized:api_key");
  await expectJsonError(await whoami(request, `Bearer ${secret.slice(0, -1)}${secret.endsWith("a") ? "b" : "a"}`), 401, "unauthorized:api_key");

  // Revoke, behind a confirmation; Cancel changes nothing.
  await row.getByRole("button", { name: "Revoke", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Revoke “${name}”?` });
  await expect(dialog).toContainText("Anything using this key gets 401");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  expect((await whoami(request, `Bearer ${secret}`)).status()).toBe(200);

  await row.getByRole("button", { name: "Revoke", exact: true }).click();
  await dialog.getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toContainText("revoked");
  await expect(row.getByRole("button", { name: "Revoke", exact: true })).toHaveCount(0);
  await expectJsonError(await whoami(request, `Bearer ${secret}`), 401, "unauthorized:api_key");
});

test("the all-scope INIT_API_KEY passes any scope check", async ({ request, initApiKey }) => {
  const response = await whoami(request, `Bearer ${initApiKey}`, "?requireScope=escalations:decide");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ key: { name: "INIT_API_KEY", scopes: ["admin"] }, requiredScopeGranted: true });
});

test("the public OpenAPI document describes whoami and health", async ({ request }) => {
  const response = await request.get("/api/v1/openapi.json");
  expect(response.status()).toBe(200);
  const doc = (await response.json()) as { paths: Record<string, { get?: { responses?: Record<string, unknown>; security?: unknown[] } }> };
  expect(Object.keys(doc.paths["/api/v1/whoami"]?.get?.responses ?? {})).toEqual(["200", "400", "401", "403"]);
  expect(doc.paths["/api/health"]?.get?.security).toEqual([]);
});
