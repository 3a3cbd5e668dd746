import { DEMO_USERS } from "../prisma/demo-users";
import { navFor, ROLE_LABELS } from "../lib/rbac";
import { expect, signIn, test } from "./fixtures";

test("a wrong password is refused with a message, and the e-mail is kept", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill("admin@flightdeck.local");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Wrong" })).toHaveText(
    "Wrong e-mail or password, or the account is disabled.",
  );
  await expect(page.getByLabel("E-mail")).toHaveValue("admin@flightdeck.local");
  await expect(page).toHaveURL(/\/login/);
});

test("a signed-out visitor is sent to sign in, then back where they were going", async ({ page }) => {
  await page.goto("/audit");
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  await page.getByLabel("E-mail").fill("compliance@flightdeck.local");
  await page.getByLabel("Password").fill("flightdeck-compliance");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
});

for (const user of DEMO_USERS) {
  test(`${ROLE_LABELS[user.role]} signs in, sees exactly their sections, and signs out`, async ({ page }) => {
    await signIn(page, user.email, user.password);
    await expect(page.getByTestId("current-role")).toHaveText(ROLE_LABELS[user.role]);
    const nav = page.getByRole("navigation", { name: "Main" }).getByRole("link");
    await expect(nav).toHaveText(navFor(user.role).map((i) => i.label));
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login/);
  });
}

test("repeated wrong passwords lock that e-mail out for a while", async ({ page }) => {
  await page.goto("/login");
  const alert = page.getByRole("alert").filter({ hasText: /password/ });
  for (let i = 0; i < 10; i++) {
    await page.getByLabel("E-mail").fill("guessing@flightdeck.local");
    await page.getByLabel("Password").fill(`guess-${i}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(alert).toHaveText("Wrong e-mail or password, or the account is disabled.");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  }
  await page.getByLabel("Password").fill("guess-10");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(alert).toHaveText("Too many wrong passwords for this e-mail. Wait 15 minutes, or ask an admin.");
});
