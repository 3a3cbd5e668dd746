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

// Was: ten wrong passwords locked the e-mail out for 15 minutes (anyone could lock anyone out).
// Now the e-mail is only slowed down, for at most 30 s, and then takes a password again.
test("repeated wrong passwords slow that e-mail down for a few seconds, not for good", async ({ page }) => {
  await page.goto("/login");
  const alert = page.getByRole("alert").filter({ hasText: /password|sign-ins/ });
  const attempt = async (password: string) => {
    await page.getByLabel("E-mail").fill("guessing@flightdeck.local");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  };
  const WRONG = "Wrong e-mail or password, or the account is disabled.";
  const SLOWED = "Too many failed sign-ins. Wait a few seconds (at most 30 for an account) and try again.";
  // Two mistakes are free; from the third, each failure makes the e-mail wait 1 s, 2 s, 4 s…
  for (let i = 0; i < 3; i++) {
    await attempt(`guess-${i}`);
    await expect(alert).toHaveText(WRONG);
  }
  let guess = 3;
  await expect(async () => {
    await attempt(`guess-${guess++}`);
    await expect(alert).toHaveText(SLOWED, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  // Once the delay has passed, the e-mail takes a password again: slowed, never locked.
  await expect(async () => {
    await attempt(`guess-${guess++}`);
    await expect(alert).toHaveText(WRONG, { timeout: 1_000 });
  }).toPass({ timeout: 40_000, intervals: [1_000, 2_000, 4_000] });
});
