/**
 * The HTTP status says what the page says: 403 for a section the role lacks
 * (decided before anything streams), 404 for an unknown page or run, a
 * redirect to /login when signed out.
 */
import { expect, test } from "./fixtures";

const DENIED = "You don’t have access to this page";

test("a denied section answers 403 with the forbidden page inside the console", async ({ asViewer, asFinance }) => {
  for (const [page, path, role] of [
    [asViewer, "/settings", "Viewer"],
    [asViewer, "/audit", "Viewer"],
    [asFinance, "/escalations", "Finance"],
  ] as const) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: DENIED })).toBeVisible();
    await expect(page.getByTestId("current-role")).toHaveText(role);
  }
  // Allowed sections stay 200.
  expect((await asFinance.goto("/spend"))?.status()).toBe(200);
});

test("signed out, a console page redirects to /login", async ({ page, request }) => {
  const res = await request.get("/settings", { maxRedirects: 0 });
  expect(res.status()).toBe(307);
  expect(new URL(res.headers().location!, "http://x").pathname).toBe("/login");
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?/);
});

test("an unknown page and an unknown run answer 404", async ({ asAdmin }) => {
  for (const path of ["/does-not-exist", "/runs/e2e00000000000000000000", "/runs/%00", `/runs/${"x".repeat(300)}`]) {
    const res = await asAdmin.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(asAdmin.getByRole("heading", { name: /Nothing here|not found/i }).first()).toBeVisible();
  }
});
