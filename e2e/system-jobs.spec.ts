/**
 * Settings › System end to end: an admin sees the periodic jobs with their
 * last run, runs the stall sweep now, and sees the run recorded. (Settings
 * refusing non-admins is access.spec.ts's.)
 */
import { expect, test } from "./fixtures";

test("an admin sees the stall sweep in Settings › System and runs it now", async ({ asAdmin: page }) => {
  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "System", level: 2 })).toBeVisible();
  const jobs = page.getByRole("table", { name: "Periodic jobs" });
  const row = jobs.getByRole("row").filter({ hasText: "stall_sweep" });
  await expect(row).toContainText("Marks running runs with no new step");
  await expect(row).toContainText("every 1 min");

  const runs = row.getByTestId("job-runs");
  const before = Number(await runs.textContent());
  await row.getByRole("button", { name: "Run now stall_sweep" }).click();

  await expect(row.getByRole("status")).toHaveText(/^Ran stall_sweep in .+: stalled: \d+\.$/);
  await expect.poll(async () => Number(await runs.textContent())).toBeGreaterThan(before);
  await expect(row.getByTestId("job-last-run")).toContainText("just now");
  await expect(row.getByTestId("job-summary")).toHaveText(/^stalled: \d+$/);
  await expect(row.getByTestId("job-error")).toHaveText("—");
});
