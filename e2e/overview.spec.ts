/** The Overview as the ops lead's start page: failing, looping and stalled runs, tool failures by tool. */
import { withE2eDb } from "./support/db";
import { expect, test } from "./fixtures";
import { hex, insertRun } from "../tests/factories/runs-sql";

const tag = hex(3);

test.beforeAll(async () => {
  await withE2eDb(async (client) => {
    await insertRun(client, {
      name: `Overview failing ${tag}`,
      status: "FAILED",
      steps: [{ kind: "TOOL_CALL", name: "call", tool: `crm_lookup_${tag}`, error: `CRM timeout ${tag}` }],
    });
    await insertRun(client, { name: `Overview looping ${tag}`, status: "RUNNING", flagLoop: true, steps: [{ kind: "TOOL_CALL", name: "s", tool: "search" }] });
    const stalled = await insertRun(client, { name: `Overview stalled ${tag}`, status: "RUNNING", steps: [{ kind: "LLM_CALL", name: "think" }] });
    await client.query(`UPDATE "Run" SET status = 'STALLED', "flagStall" = true WHERE id = $1`, [stalled.id]);
  });
});

test("the ops lead's start page shows failing, looping and stalled runs and tool failures by tool", async ({ asOps: page }) => {
  await page.goto("/");
  await expect(page.getByTestId("attention-tiles")).toBeVisible();
  await expect(page.getByTestId("failing-runs")).toContainText(`Overview failing ${tag}`);
  await expect(page.getByTestId("looping-runs")).toContainText(`Overview looping ${tag}`);
  await expect(page.getByTestId("stalled-runs")).toContainText(`Overview stalled ${tag}`);
  const row = page.getByTestId("tool-failures").getByRole("row").filter({ hasText: `crm_lookup_${tag}` });
  await expect(row).toContainText(`CRM timeout ${tag}`);
  await row.getByRole("link").click();
  await expect(page.getByRole("heading", { name: `Overview failing ${tag}` })).toBeVisible();
});

test("the audit card stays for roles that read the audit log, and only for them", async ({ asCompliance, asOps }) => {
  await asCompliance.goto("/");
  await expect(asCompliance.getByRole("heading", { name: "Recent audit events" })).toBeVisible();
  await asOps.goto("/");
  await expect(asOps.getByRole("heading", { name: "Failing runs" })).toBeVisible();
  await expect(asOps.getByRole("heading", { name: "Recent audit events" })).toHaveCount(0);
});

test("the changes card shows compliance what waits for its approval", async ({ asCompliance, asOps }) => {
  await asCompliance.goto("/");
  const card = asCompliance.getByTestId("overview-changes");
  await expect(card.getByText(/\d+ waiting for your approval/)).toBeVisible();
  await expect(card.getByText("Waiting for approval").first()).toBeVisible();
  await asOps.goto("/");
  await expect(asOps.getByTestId("overview-changes").getByRole("heading", { name: "Recent changes" })).toBeVisible();
  await expect(asOps.getByTestId("overview-changes").getByText(/waiting for your approval/)).toHaveCount(0);
});
