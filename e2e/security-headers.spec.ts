/**
 * Security headers on every kind of response (console page, login page, API
 * route, static file), a nonce-based CSP that the real pages run under
 * without a single violation, and cross-origin server-action POSTs refused
 * with a 403 before Next would throw on them.
 */
import type { APIResponse, Page, Response } from "@playwright/test";
import { withE2eDb } from "./support/db";
import { credentials, expect, signIn, test } from "./fixtures";
import { hex, insertRun } from "../tests/factories/runs-sql";

let runId = "";
test.beforeAll(async () => {
  runId = (
    await withE2eDb((client) =>
      insertRun(client, {
        name: `Headers ${hex(3)}`,
        steps: [
          { kind: "AGENT", name: "agent" },
          { kind: "LLM_CALL", name: "plan", parent: 0, model: "gpt-4o" },
        ],
      }),
    )
  ).id;
});

type Headers = Record<string, string>;
const headersOf = (r: Response | APIResponse): Headers => r.headers();

function expectFixedHeaders(h: Headers) {
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(h["permissions-policy"]).toContain("camera=(), microphone=(), geolocation=()");
  // Served over plain http here: HSTS would pin a host that has no HTTPS.
  expect(h["strict-transport-security"]).toBeUndefined();
}

function expectPageCsp(h: Headers) {
  const csp = h["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-eval");
}

/** Fails the test on any CSP report the browser prints, and on any uncaught page error. */
function watchForViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect)/i.test(msg.text())) violations.push(`${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (error) => violations.push(`pageerror: ${error.message}`));
  return violations;
}

test("a console page, the login page, an API route and static files carry the security headers", async ({ asViewer, request }) => {
  const login = await request.get("/login");
  expect(login.status()).toBe(200);
  expectFixedHeaders(headersOf(login));
  expectPageCsp(headersOf(login));

  const statics: Response[] = [];
  asViewer.on("response", (r) => {
    if (r.url().includes("/_next/static/")) statics.push(r);
  });
  const overview = await asViewer.goto("/");
  expect(overview?.status()).toBe(200);
  expectFixedHeaders(headersOf(overview!));
  expectPageCsp(headersOf(overview!));
  // A fresh nonce per response: a nonce seen twice is one an attacker could reuse.
  const again = await asViewer.request.get("/");
  expect(headersOf(again)["content-security-policy"]).not.toBe(headersOf(overview!)["content-security-policy"]);

  const api = await request.get("/api/health");
  expectFixedHeaders(headersOf(api));
  const unauthorized = await request.get("/api/v1/runs");
  expect(unauthorized.status()).toBe(401);
  expectFixedHeaders(headersOf(unauthorized));

  expect(statics.length).toBeGreaterThan(0);
  expectFixedHeaders(await statics[0]!.allHeaders());
  expectFixedHeaders(headersOf(await request.get("/icon.svg")));
});

test("X-Forwarded-Proto alone does not turn on HSTS (no TRUST_PROXY here, AUTH_URL is http)", async ({ request }) => {
  const res = await request.get("/login", { headers: { "x-forwarded-proto": "https" } });
  expect(res.headers()["strict-transport-security"]).toBeUndefined();
  expect(res.headers()["content-security-policy"]).not.toContain("upgrade-insecure-requests");
});

test("signing in and opening Overview, Runs, a run timeline and Settings raise no CSP violation", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const violations = watchForViolations(page);
  const admin = credentials("ADMIN");
  await signIn(page, admin.email, admin.password);
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
  await page.goto("/runs");
  await expect(page.getByRole("heading", { name: "Runs", exact: true })).toBeVisible();
  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("step-row").first()).toBeVisible();
  // Hydrated (scripts ran under the CSP): selecting a step is client-side.
  await page.getByTestId("step-row").nth(1).click();
  await expect(page).toHaveURL(/step=/);
  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Settings", exact: true })).toBeVisible();
  await page.goto("/does-not-exist");
  await expect(page.getByRole("heading", { name: "Nothing here" })).toBeVisible();
  expect(violations).toEqual([]);
  await context.close();
});

test.describe("cross-origin server-action POSTs", () => {
  const fakeAction = "7f" + "0".repeat(40);
  const forged = { origin: "https://evil.example", "next-action": fakeAction, "content-type": "text/plain;charset=UTF-8" };

  test("are refused with a 403, signed in or not", async ({ asAdmin, request }) => {
    for (const [who, client] of [
      ["signed out", request],
      ["admin", asAdmin.request],
    ] as const) {
      for (const path of ["/settings", "/", "/login"]) {
        const res = await client.post(path, { headers: forged, data: "[]", maxRedirects: 0 });
        expect(res.status(), `${who} ${path}`).toBe(403);
        expect(await res.text()).toContain("Server actions accept requests from this site only");
      }
    }
    const opaque = await request.post("/login", { headers: { ...forged, origin: "null" }, data: "[]", maxRedirects: 0 });
    expect(opaque.status()).toBe(403);
  });

  test("from this site with an unknown action id are a 4xx too, not a 500", async ({ asAdmin, baseURL }) => {
    const res = await asAdmin.request.post("/settings", { headers: { ...forged, origin: new URL(baseURL!).origin }, data: "[]", maxRedirects: 0 });
    expect(res.status()).toBeGreaterThanOrEqual(400);
    expect(res.status()).toBeLessThan(500);
  });
});
