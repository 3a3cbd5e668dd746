/** Ops lead journeys on one run's timeline: a failed tool call and what followed; a 5,000-step run. */
import { withE2eDb } from "./support/db";
import { expect, test } from "./fixtures";
import { hex, insertBigRun, insertRun } from "../tests/factories/runs-sql";

const tag = hex(3);
let failedRunId = "";
let bigRunId = "";

test.beforeAll(async () => {
  await withE2eDb(async (client) => {
    failedRunId = (
      await insertRun(client, {
        name: `Refund order ${tag}`,
        status: "FAILED",
        steps: [
          { kind: "AGENT", name: "refund agent" },
          { kind: "LLM_CALL", name: "plan the refund", parent: 0, model: "gpt-4o", outputMessages: [{ role: "assistant", content: "Charge the card back." }] },
          { kind: "TOOL_CALL", name: "charge_card", tool: "charge_card", parent: 0, arguments: { amount: 120 }, error: "Card declined: insufficient funds" },
          { kind: "LLM_CALL", name: "rethink after decline", parent: 0, model: "gpt-4o" },
          { kind: "DECISION", name: "choose next action", parent: 0, decision: { chosen: "offer store credit", rationale: "the card was declined", alternatives: ["retry the card", "escalate"], confidence: 0.62 } },
        ],
      })
    ).id;
    bigRunId = await insertBigRun(client, `Big run ${tag}`, 5000);
  });
});

test("an ops lead opens a run with a failed tool call and sees the failure and what the agent did next", async ({ asOps: page }) => {
  await page.goto(`/runs/${failedRunId}`);
  await expect(page.getByRole("heading", { name: `Refund order ${tag}` })).toBeVisible();
  const failures = page.getByTestId("failures");
  await expect(failures).toContainText("1 failed tool call");
  const item = failures.getByTestId("failure-item");
  await expect(item).toContainText("charge_card");
  await expect(item.getByTestId("failure-next")).toHaveText([/rethink after decline/, /choose next action/]);

  // The failed row and the rows after it are marked on the waterfall.
  await expect(page.locator('[data-testid="step-row"][data-failed]')).toContainText("charge_card");
  await expect(page.locator('[data-testid="step-row"][data-after-failure]')).toHaveCount(2);

  await item.getByRole("button", { name: "charge_card" }).click();
  await expect(page.getByTestId("step-error")).toHaveText("Error: Card declined: insufficient funds");
  await expect(page.getByTestId("step-detail")).toContainText('"amount": 120');

  // Follow to the decision: its causal chain leads back to the failure.
  await item.getByTestId("failure-next").filter({ hasText: "choose next action" }).click();
  const card = page.getByTestId("decision-card");
  await expect(card).toContainText("offer store credit");
  await expect(card).toContainText("62%");
  await expect(card).toContainText("retry the card");
  const chain = page.getByTestId("causal-chain");
  await expect(chain).toContainText("refund agent");
  await expect(chain.getByRole("button", { name: /charge_card/ })).toBeVisible();
  await expect(page).toHaveURL(/step=/);
});

test("a 5,000-step run renders, and a step far down can be scrolled to and selected", async ({ asOps: page }) => {
  await page.goto(`/runs/${bigRunId}`);
  const waterfall = page.getByTestId("waterfall");
  await expect(waterfall).toBeVisible();
  await expect(page.getByText("5,000 steps ·")).toBeVisible();
  // Virtualized: far fewer rows in the DOM than steps.
  expect(await page.getByTestId("step-row").count()).toBeLessThan(200);

  await waterfall.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const farRow = page.getByRole("option", { name: /step 4999\b/ });
  await expect(farRow).toBeVisible();
  await farRow.click();
  await expect(page.getByTestId("step-detail-name")).toHaveText("step 4999");

  // Keyboard: Home goes to the top, ArrowDown moves one step.
  await waterfall.focus();
  await page.keyboard.press("Home");
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("option", { selected: true })).toContainText("step 1");
});

test("an ops lead scores an LLM output, shown beside the run's outcome", async ({ asOps: page }) => {
  await page.goto(`/runs/${failedRunId}`);
  await page.getByRole("option", { name: /plan the refund/ }).click();
  await expect(page.getByTestId("step-detail")).toContainText("Charge the card back.");
  const form = page.getByRole("form", { name: "Score this output" });
  await form.getByLabel("2", { exact: true }).check();
  await form.getByLabel("Comment").fill("charged before checking the balance");
  await form.getByRole("button", { name: "Save score" }).click();
  await expect(form.getByRole("status")).toHaveText("Scored this output 2/5.");
  await expect(page.getByTestId("step-evaluations")).toContainText("charged before checking the balance");
  await expect(page.getByTestId("outputs-card")).toContainText("2/5");
  await expect(page.getByTestId("outputs-card")).toContainText("25%");
});
