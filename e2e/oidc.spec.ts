/**
 * OpenID Connect sign-in against a real provider (e2e/oidc-provider.ts, started
 * by global-setup): first sign-in provisions a Viewer, admins see the account
 * marked SSO, and a disabled SSO account is refused.
 */
import type { Page } from "@playwright/test";
import { ROLE_LABELS } from "../lib/rbac";
import { E2E_OIDC } from "./constants";
import { expect, test } from "./fixtures";
import { SSO_USER } from "./oidc-provider";

const onProvider = (url: URL) => url.href.startsWith(E2E_OIDC.issuer);

/**
 * Clicks "Continue with Test SSO" and completes whatever the provider asks:
 * its login page (unless it already has a session) and its consent page
 * (unless Flightdeck was already authorised), until the browser is back.
 */
async function signInWithSso(page: Page, email: string) {
  // The provider's development pages import a web font; there is no internet here.
  await page.route(/fonts\.googleapis\.com/, (route) => route.abort());
  if (!new URL(page.url()).pathname.startsWith("/login")) await page.goto("/login");
  await page.getByRole("button", { name: `Continue with ${E2E_OIDC.name}` }).click();
  await page.waitForURL((url) => onProvider(url) || !url.pathname.startsWith("/login") || url.searchParams.has("error"));
  for (let step = 0; step < 4 && onProvider(new URL(page.url())); step++) {
    const before = page.url();
    const login = page.locator('input[name="login"]');
    const consent = page.getByRole("button", { name: "Continue" });
    await expect(login.or(consent)).toBeVisible();
    if (await login.isVisible()) {
      await login.fill(email);
      await page.locator('input[name="password"]').fill("any password: the test provider ignores it");
      await page.getByRole("button", { name: "Sign-in" }).click();
    } else {
      await consent.click();
    }
    await page.waitForURL((url) => url.href !== before);
  }
  await page.waitForURL((url) => !onProvider(url));
}

test("SSO sign-in provisions a Viewer who shows up in Settings marked SSO", async ({ page, asAdmin }) => {
  await signInWithSso(page, SSO_USER.email);
  await expect(page).toHaveURL(/^http:\/\/localhost:\d+\/$/);
  await expect(page.getByTestId("current-user")).toContainText(SSO_USER.email);
  await expect(page.getByTestId("current-role")).toHaveText(ROLE_LABELS.VIEWER);
  // A Viewer's navigation: no Audit, no Settings.
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Runs" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Settings" })).toHaveCount(0);

  await asAdmin.goto("/settings");
  const row = asAdmin.getByTestId(`user-row-${SSO_USER.email}`);
  await expect(row).toContainText(SSO_USER.name);
  await expect(row).toContainText("SSO");
  await expect(row.getByLabel(`Role of ${SSO_USER.email}`)).toHaveValue("VIEWER");

  await asAdmin.goto(`/audit?action=user.provision&actor=oidc`);
  await expect(asAdmin.getByTestId("audit-row").filter({ hasText: SSO_USER.email }).first()).toBeVisible();
});

test("a disabled SSO account is refused, and its open session ends", async ({ browser, asAdmin }) => {
  const email = `sso.disabled.${Date.now()}@example.com`;
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInWithSso(page, email);
  await expect(page.getByTestId("current-user")).toContainText(email);

  await asAdmin.goto("/settings");
  const row = asAdmin.getByTestId(`user-row-${email}`);
  await expect(row).toContainText("SSO");
  await row.getByRole("checkbox", { name: "Disabled" }).check();
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByRole("status")).toHaveText(`Saved ${email}: VIEWER, disabled.`);

  // The session already open is cut at the next page load…
  await page.goto("/runs");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();

  // …and signing in again through the provider is refused.
  await signInWithSso(page, email);
  await expect(page).toHaveURL(/\/login\?error=AccessDenied/);
  await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText(
    "Your single sign-on account is not allowed here (disabled, or no e-mail address).",
  );
  await expect(page.getByTestId("current-user")).toHaveCount(0);
  await context.close();
});
