/**
 * One signed-in page per role (`asAdmin`, `asOps`, …), signed in through the
 * real login form, plus `signIn` for other accounts and `api` for key calls.
 */
import { test as base, expect, type Browser, type Page } from "@playwright/test";
import { DEMO_USERS } from "../prisma/demo-users";
import type { Role } from "../lib/rbac";
import { E2E_API_KEY } from "./constants";

export const credentials = (role: Role) => DEMO_USERS.find((u) => u.role === role)!;

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("current-user")).toContainText(email);
}

/**
 * Runs a periodic job from Settings › System as an admin ("Run now") and waits for a tick that
 * succeeded and matches `outcome` (its summary); clicks again while a scheduled tick holds the job's
 * lock or the tick did not get there (a backlog). Never a fixed sleep.
 */
export async function runJobFromSettings(browser: Browser, name: string, outcome: RegExp = /.*/): Promise<void> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const admin = credentials("ADMIN");
    await signIn(page, admin.email, admin.password);
    await page.goto("/settings");
    const row = page.getByRole("table", { name: "Periodic jobs" }).getByRole("row").filter({ hasText: name });
    await expect(async () => {
      await row.getByRole("button", { name: `Run now ${name}` }).click();
      await expect(row.getByRole("status")).toHaveText(new RegExp(`^Ran ${name} in `), { timeout: 15_000 });
      await expect(row.getByRole("status")).toHaveText(outcome, { timeout: 1_000 });
    }).toPass({ timeout: 60_000 });
  } finally {
    await context.close();
  }
}

type RolePages = {
  asAdmin: Page;
  asOps: Page;
  asCompliance: Page;
  asFinance: Page;
  asViewer: Page;
  /** The all-scope key the e2e server was started with (INIT_API_KEY). */
  initApiKey: string;
};

function rolePage(role: Role) {
  return async ({ browser }: { browser: import("@playwright/test").Browser }, use: (page: Page) => Promise<void>) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const user = credentials(role);
    await signIn(page, user.email, user.password);
    await use(page);
    await context.close();
  };
}

export const test = base.extend<RolePages>({
  asAdmin: rolePage("ADMIN"),
  asOps: rolePage("OPS_LEAD"),
  asCompliance: rolePage("COMPLIANCE"),
  asFinance: rolePage("FINANCE"),
  asViewer: rolePage("VIEWER"),
  initApiKey: async ({}, use) => use(E2E_API_KEY),
});

export { expect };
