/**
 * Roles are enforced where it matters: a page a role lacks the scope for
 * answers the 403 page, and a server action re-checks the caller's role at the
 * moment it runs (a role changed while a page is open counts at once).
 */
import { withE2eDb } from "./support/db";
import { expect, signIn, test } from "./fixtures";

const DENIED = "You don’t have access to this page";

// What is checked here is that the 403 page replaces the protected content; the status
// codes themselves (403, 404) are checked in status-codes.spec.ts.
test("a Viewer is denied Audit and Settings, Finance is denied Escalations", async ({ asViewer, asFinance }) => {
  for (const [path, protectedHeading] of [
    ["/audit", "Audit log"],
    ["/settings", "Settings"],
  ] as const) {
    await asViewer.goto(path);
    await expect(asViewer.getByRole("heading", { name: DENIED })).toBeVisible();
    await expect(asViewer.getByRole("heading", { name: protectedHeading, exact: true })).toHaveCount(0);
    await expect(asViewer.getByTestId("current-role")).toHaveText("Viewer");
  }
  await expect(asViewer.getByTestId("audit-row")).toHaveCount(0);
  await asFinance.goto("/escalations");
  await expect(asFinance.getByRole("heading", { name: DENIED })).toBeVisible();
  // The pages a role has still open normally.
  await asFinance.goto("/spend");
  await expect(asFinance.getByRole("heading", { name: DENIED })).toHaveCount(0);
});

test("a server action is refused once the caller's role no longer has its scope", async ({ asAdmin, browser }) => {
  const stamp = Date.now();
  const email = `temp.admin.${stamp}@example.com`;
  const password = `temp-admin-${stamp}`;
  const keyName = `must-not-exist-${stamp}`;

  // The real admin adds a temporary admin through Settings.
  await asAdmin.goto("/settings");
  const addUser = asAdmin.getByRole("form", { name: "Add a user" });
  await addUser.getByLabel("E-mail").fill(email);
  await addUser.getByLabel("Name").fill("Temporary Admin");
  await addUser.getByLabel("Role").selectOption("ADMIN");
  await addUser.getByLabel("Initial password").fill(password);
  await addUser.getByRole("button", { name: "Add user" }).click();
  await expect(addUser.getByRole("status")).toHaveText(`Created ${email} as ADMIN.`);

  // The temporary admin opens Settings in their own browser and starts a key.
  const context = await browser.newContext();
  const temp = await context.newPage();
  await signIn(temp, email, password);
  await temp.goto("/settings");
  const createKey = temp.getByRole("form", { name: "Create an API key" });
  await createKey.getByLabel("Key name").fill(keyName);

  // Meanwhile the real admin makes them a Viewer.
  await asAdmin.reload();
  const row = asAdmin.getByTestId(`user-row-${email}`);
  await row.getByLabel(`Role of ${email}`).selectOption("VIEWER");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByRole("status")).toHaveText(`Saved ${email}: VIEWER.`);

  // The page still shows the form, but the action checks the caller now: a role change ended their session.
  await createKey.getByRole("button", { name: "Create key" }).click();
  await expect(createKey.getByRole("alert")).toHaveText("Your session has ended. Sign in again.");
  await expect(temp.getByTestId("new-api-key")).toHaveCount(0);

  await asAdmin.reload();
  await expect(asAdmin.getByRole("heading", { name: "API keys" })).toBeVisible();
  await expect(asAdmin.getByTestId(`api-key-row-${keyName}`)).toHaveCount(0);
  const stored = await withE2eDb((db) => db.query('SELECT count(*)::int AS n FROM "ApiKey" WHERE name = $1', [keyName]));
  expect(stored.rows[0]).toEqual({ n: 0 });

  // And their next page load asks them to sign in again.
  await temp.reload();
  await expect(temp).toHaveURL(/\/login/);
  await context.close();
});
