/**
 * Account security, end to end: sessions end on the server (a copied cookie
 * stops working after sign-out, a reset password ends the live session), a
 * reset password must be changed before the console opens, sign-in never
 * redirects off-site, guessing the admin's password cannot lock the admin
 * out, and a demo password is flagged until it is changed.
 */
import type { Browser, Page } from "@playwright/test";
import { credentials, expect, signIn, test } from "./fixtures";
import { withE2eDb } from "./support/db";

const stamp = () => `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;

/** A user of our own, added through Settings as the real admin (never a shared demo account). */
async function addUser(asAdmin: Page, role = "VIEWER") {
  const email = `security.${stamp()}@example.com`;
  const password = `first-password-${stamp()}`;
  await asAdmin.goto("/settings");
  const form = asAdmin.getByRole("form", { name: "Add a user" });
  await form.getByLabel("E-mail").fill(email);
  await form.getByLabel("Role").selectOption(role);
  await form.getByLabel("Initial password").fill(password);
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(form.getByRole("status")).toHaveText(`Created ${email} as ${role}.`);
  return { email, password };
}

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

async function changePassword(page: Page, current: string, next: string) {
  const form = page.getByRole("form", { name: "Change your password" });
  await form.getByLabel("Current password").fill(current);
  await form.getByLabel("New password", { exact: true }).fill(next);
  await form.getByLabel("Confirm new password").fill(next);
  await form.getByRole("button", { name: "Change password" }).click();
}

test("signing out ends the session on the server: a copy of the cookie no longer works", async ({ asAdmin, browser }) => {
  const user = await addUser(asAdmin);
  const first = await newPage(browser);
  await signIn(first, user.email, user.password);

  const second = await newPage(browser);
  await second.context().addCookies(await first.context().cookies());
  await second.goto("/");
  await expect(second.getByTestId("current-user")).toContainText(user.email);

  await first.getByRole("button", { name: "Sign out" }).click();
  await expect(first).toHaveURL(/\/login/);
  await second.goto("/");
  await expect(second).toHaveURL(/\/login/);
  await first.context().close();
  await second.context().close();
});

test("an admin's reset ends the user's live session; the temporary password must be changed before the console opens", async ({ asAdmin, browser }) => {
  const user = await addUser(asAdmin);
  const page = await newPage(browser);
  await signIn(page, user.email, user.password);

  await asAdmin.goto("/settings");
  const row = asAdmin.getByTestId(`user-row-${user.email}`);
  await row.getByRole("button", { name: "Reset password" }).click();
  await asAdmin.getByRole("dialog").getByRole("button", { name: "Reset password" }).click();
  await expect(row.getByRole("status")).toContainText(`Password of ${user.email} reset`);
  const temporary = (await row.getByTestId("temporary-password").textContent())?.trim() ?? "";
  expect(temporary).toHaveLength(24);

  await page.goto("/runs");
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, user.email, temporary);
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("alert").filter({ hasText: "Change your password to continue" })).toBeVisible();
  await page.goto("/runs");
  await expect(page).toHaveURL(/\/profile$/);

  await changePassword(page, temporary, `my-own-password-${stamp()}`);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.context().close();
});

for (const callbackUrl of ["/%5Cevil.example", "//evil.example", "https://evil.example/phish"]) {
  test(`sign-in with callbackUrl ${callbackUrl} stays on this site`, async ({ page, baseURL }) => {
    const viewer = credentials("VIEWER");
    await page.goto(`/login?callbackUrl=${encodeURIComponent(decodeURIComponent(callbackUrl))}`);
    await page.getByLabel("E-mail").fill(viewer.email);
    await page.getByLabel("Password").fill(viewer.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("current-user")).toContainText(viewer.email);
    expect(page.url()).toBe(`${baseURL}/`);
    // Already signed in, the login page sends the visitor on at once: to / as well.
    await page.goto(`/login?callbackUrl=${callbackUrl}`);
    await expect(page.getByTestId("current-user")).toContainText(viewer.email);
    expect(page.url()).toBe(`${baseURL}/`);
  });
}

test("ten wrong passwords for the admin's e-mail do not lock the admin out", async ({ browser }) => {
  const admin = credentials("ADMIN");
  const attacker = await newPage(browser);
  await attacker.goto("/login");
  const refusal = attacker.getByRole("alert").filter({ hasText: /Wrong e-mail or password|Too many failed sign-ins/ });
  for (let i = 0; i < 10; i++) {
    await attacker.getByLabel("E-mail").fill(admin.email);
    await attacker.getByLabel("Password").fill(`guess-${i}`);
    await attacker.getByRole("button", { name: "Sign in" }).click();
    await expect(refusal).toBeVisible();
    await expect(attacker.getByRole("button", { name: "Sign in" })).toBeEnabled();
  }

  // The admin, elsewhere, gets in once the account's delay (at most 30 s) has passed.
  const owner = await newPage(browser);
  await owner.goto("/login");
  await expect(async () => {
    if (!/\/login/.test(owner.url())) return;
    await owner.getByLabel("E-mail").fill(admin.email);
    await owner.getByLabel("Password").fill(admin.password);
    await owner.getByRole("button", { name: "Sign in" }).click();
    await expect(owner.getByTestId("current-user")).toContainText(admin.email, { timeout: 3_000 });
  }).toPass({ timeout: 45_000, intervals: [1_000, 2_000, 5_000] });
  await attacker.context().close();
  await owner.context().close();
});

test("a demo password shows a banner on every console page until it is changed", async ({ asAdmin, browser }) => {
  const user = await addUser(asAdmin, "OPS_LEAD");
  // Only the seed makes demo accounts; flag ours as one rather than touch the shared demo users.
  await withE2eDb((db) => db.query('UPDATE "User" SET "demoPassword" = true WHERE email = $1', [user.email]));
  const page = await newPage(browser);
  await signIn(page, user.email, user.password);
  const banner = page.getByRole("region", { name: "Password warning" });
  await expect(banner).toContainText("You are signed in with a demo password");
  await page.goto("/runs");
  await expect(banner).toBeVisible();

  await banner.getByRole("link", { name: "Change your password" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await changePassword(page, user.password, `not-a-demo-${stamp()}`);
  await expect(page.getByRole("form", { name: "Change your password" }).getByRole("status")).toContainText("Password changed");
  await expect(banner).toHaveCount(0);
  await page.goto("/runs");
  await expect(page.getByRole("heading", { name: "Runs" }).first()).toBeVisible();
  await expect(banner).toHaveCount(0);
  await page.context().close();
});
