/**
 * The audit log end to end: actions show up as events that can be filtered by
 * action and actor; "Verify chain" reports the chain intact, pinpoints a row
 * tampered with directly in the database, and is intact again once restored.
 */
import type { Page } from "@playwright/test";
import { withE2eDb } from "./support/db";
import { credentials, expect, test } from "./fixtures";

const ADMIN = credentials("ADMIN").email;

async function createAndRevokeKey(page: Page, name: string) {
  await page.goto("/settings");
  const form = page.getByRole("form", { name: "Create an API key" });
  await form.getByLabel("Key name").fill(name);
  await form.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByTestId("new-api-key")).toBeVisible();
  const row = page.getByTestId(`api-key-row-${name}`);
  await row.getByRole("button", { name: "Revoke", exact: true }).click();
  await page.getByRole("dialog", { name: `Revoke “${name}”?` }).getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toContainText("revoked");
}

async function filterAudit(page: Page, filters: { action?: string; actor?: string }) {
  await page.goto("/audit");
  const form = page.getByRole("search", { name: "Filter audit events" });
  if (filters.action) await form.getByLabel("Action").selectOption(filters.action);
  if (filters.actor) await form.getByLabel("Actor").fill(filters.actor);
  await form.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/\/audit\?/);
}

test("key actions are listed as audit events, filterable by action and actor", async ({ asAdmin: page }) => {
  const name = `audit-e2e-${Date.now()}`;
  await createAndRevokeKey(page, name);

  await filterAudit(page, { action: "api_key.revoke", actor: ADMIN });
  await expect(page).toHaveURL(/action=api_key\.revoke/);
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toContainText("api_key.revoke");
  await expect(rows.first()).toContainText(ADMIN);
  await expect(rows.first()).toContainText(name);
  // The action column of every row listed.
  expect(new Set(await rows.locator("td:nth-child(4)").allTextContents())).toEqual(new Set(["api_key.revoke"]));
  // Before and after are kept: revokedAt went from null to a time.
  await rows.first().getByText("Before / after").click();
  await expect(rows.first()).toContainText('"revokedAt": null');

  await filterAudit(page, { action: "api_key.create", actor: ADMIN });
  await expect(rows.filter({ hasText: name })).toHaveCount(1);
  await expect(rows.first()).toContainText("api_key.create");

  // Another actor did none of this.
  await filterAudit(page, { action: "api_key.revoke", actor: "viewer@flightdeck.local" });
  await expect(page.getByText("No audit events match")).toBeVisible();
  await expect(rows).toHaveCount(0);
});

test("Verify chain reports intact, finds a row tampered in the database, and recovers when it is restored", async ({ asCompliance: page }) => {
  const marker = `tampered-${Date.now()}`;
  await page.goto("/audit?verify=1");
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact.");

  const target = await withE2eDb(async (db) => {
    const { rows } = await db.query<{ seq: string; after: string }>(
      `SELECT seq::text AS seq, "after"::text AS after FROM "AuditEvent" WHERE "after" IS NOT NULL ORDER BY seq DESC LIMIT 1`,
    );
    return rows[0]!;
  });
  const tamper = (after: string) =>
    withE2eDb(async (db) => {
      await db.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER fd_audit_event_append_only');
      try {
        await db.query('UPDATE "AuditEvent" SET "after" = $1::jsonb WHERE seq = $2', [after, target.seq]);
      } finally {
        await db.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER fd_audit_event_append_only');
      }
    });

  await tamper(JSON.stringify({ ...(JSON.parse(target.after) as object), tamperedBy: marker }));
  try {
    await page.goto("/audit");
    await page.getByRole("link", { name: "Verify chain" }).click();
    const status = page.getByTestId("chain-status");
    await expect(status).toContainText(`Chain broken at event #${target.seq}.`);
    await expect(status).toContainText(`Event #${target.seq} was changed after it was written.`);
    await expect(status).toHaveAttribute("role", "alert");
  } finally {
    await tamper(target.after);
  }

  await page.goto("/audit");
  await page.getByRole("link", { name: "Verify chain" }).click();
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact.");
});
