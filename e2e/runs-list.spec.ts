/** Ops lead journeys on the runs list: filter looping runs; record an outcome and find it in the quadrants; finance is refused. */
import { hashPassword } from "../lib/passwords";
import { withE2eDb } from "./support/db";
import { expect, signIn, test } from "./fixtures";
import { hex, insertRun, newId } from "../tests/factories/runs-sql";

const tag = hex(3);
const ids: Record<string, string> = {};

test.beforeAll(async () => {
  await withE2eDb(async (client) => {
    ids.looping = (
      await insertRun(client, {
        name: `Loop ${tag} looping`,
        status: "RUNNING",
        flagLoop: true,
        steps: [1, 2, 3].map((i) => ({ kind: "TOOL_CALL" as const, name: `search ${i}`, tool: "search", arguments: { q: "same" } })),
      })
    ).id;
    ids.calm = (await insertRun(client, { name: `Loop ${tag} calm`, steps: [{ kind: "LLM_CALL", name: "answer" }] })).id;
    ids.scored = (await insertRun(client, { name: `Quadrant ${tag}`, outputScore: 0.9, steps: [{ kind: "LLM_CALL", name: "draft reply" }] })).id;
  });
});

test("an ops lead filters looping runs, and the filter is in the URL", async ({ asOps: page }) => {
  await page.goto(`/runs?q=${encodeURIComponent(`Loop ${tag}`)}`);
  await expect(page.getByTestId("run-row")).toHaveCount(2);
  await page.getByRole("search", { name: "Filter runs" }).getByLabel("Loop").check();
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/flag=loop/);
  await expect(page.getByTestId("run-row")).toHaveCount(1);
  const row = page.getByTestId("run-row");
  await expect(row).toContainText(`Loop ${tag} looping`);
  await expect(row.getByTestId("flag-loop")).toBeVisible();
  await expect(page.getByTestId("run-total")).toHaveText("1");

  // The shared URL opens the same view; the run's page marks the repeated steps.
  await page.goto(page.url());
  await row.getByRole("link").click();
  await expect(page.getByTestId("loop-banner")).toBeVisible();
  await expect(page.getByTestId("step-row").filter({ hasText: "↻ loop" })).toHaveCount(3);
});

test("running runs refresh in the list without reloading the page", async ({ asOps: page }) => {
  await page.goto(`/runs?q=${encodeURIComponent(`Loop ${tag} looping`)}`);
  const row = page.getByTestId("run-row");
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("run-status")).toHaveText("Running");
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
  await withE2eDb((client) => client.query(`UPDATE "Run" SET "stepCount" = 1234, "lastStepAt" = now() WHERE id = $1`, [ids.looping]));
  await expect(row).toContainText("1,234", { timeout: 15_000 });
  expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
});

test("an ops lead records an outcome and finds the run under “good text, wrong action”", async ({ asOps: page }) => {
  await page.goto(`/runs/${ids.scored}`);
  const form = page.getByRole("form", { name: "Record the outcome" });
  await form.getByLabel("Failure").check();
  await form.getByLabel("Business impact").fill("Promised a refund the policy forbids");
  await form.getByLabel("Side effects").fill("customer e-mailed a refund promise");
  await form.getByRole("button", { name: "Record outcome" }).click();
  await expect(form.getByRole("status")).toHaveText("Recorded the outcome: failure.");
  await expect(page.getByTestId("run-outcome")).toHaveText("✖ Failure");
  await expect(page.getByTestId("outcome-card")).toContainText("customer e-mailed a refund promise");

  await page.goto(`/runs?q=${encodeURIComponent(`Quadrant ${tag}`)}`);
  await page.getByTestId("quadrant-goodFailure").click();
  await expect(page).toHaveURL(/output=good/);
  await expect(page).toHaveURL(/outcome=failure/);
  await expect(page.getByTestId("run-row")).toHaveCount(1);
  await expect(page.getByTestId("run-row")).toContainText(`Quadrant ${tag}`);
  await expect(page.getByTestId("quadrant-goodFailure")).toContainText("1");
});

test("finance sees no outcome or score controls, and is refused if it submits one", async ({ asFinance, browser }) => {
  await asFinance.goto(`/runs/${ids.calm}`);
  await expect(asFinance.getByTestId("outcome-card")).toBeVisible();
  await expect(asFinance.getByRole("button", { name: "Record outcome" })).toHaveCount(0);
  await asFinance.getByTestId("step-row").first().click();
  await expect(asFinance.getByTestId("step-detail")).toBeVisible();
  await expect(asFinance.getByRole("button", { name: "Save score" })).toHaveCount(0);

  // An ops lead with the form open becomes Finance: the server action refuses.
  const email = `ops.${tag}.${Date.now()}@example.com`;
  const password = `ops-${tag}-password`;
  const userId = newId();
  await withE2eDb(async (client) => {
    await client.query(`INSERT INTO "User" (id, email, name, role, "passwordHash", "updatedAt") VALUES ($1, $2, 'Temp Ops', 'OPS_LEAD', $3, now())`, [
      userId, email, await hashPassword(password),
    ]);
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email, password);
  await page.goto(`/runs/${ids.calm}`);
  const form = page.getByRole("form", { name: "Record the outcome" });
  await form.getByLabel("Success").check();
  await withE2eDb((client) => client.query(`UPDATE "User" SET role = 'FINANCE' WHERE id = $1`, [userId]));
  await form.getByRole("button", { name: "Record outcome" }).click();
  await expect(form.getByRole("alert")).toHaveText("Your role (FINANCE) is not allowed to do this (needs runs:write).");
  await context.close();
  await withE2eDb(async (client) => {
    const { rows } = await client.query(`SELECT outcome FROM "Run" WHERE id = $1`, [ids.calm]);
    expect(rows[0].outcome).toBe("UNKNOWN");
  });
});
