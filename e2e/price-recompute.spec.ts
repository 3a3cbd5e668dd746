/**
 * An admin's journey with unpriced calls: calls of a model with no price
 * arrive and are counted apart in Settings › Model prices; the admin adds the
 * price, is offered to re-price the calls it covers, starts it, follows its
 * progress and sees the result, and the runs carry the new cost. Settings
 * stays free of serious axe violations throughout.
 */
import { randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { otlpRequest, randomTraceId, type SpanSpec } from "../tests/factories/otlp";
import { credentials, expect, test } from "./fixtures";

async function expectNoBlockingViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const blocking = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`);
  expect(blocking).toEqual([]);
}

/** One trace of the agent: three calls after the price's date, one long before it. */
function spans(traceId: string, model: string): SpanSpec[] {
  const root = "a".repeat(16);
  const llm = (n: number, at: string): SpanSpec => ({
    traceId,
    spanId: `${n}`.repeat(16),
    parentSpanId: root,
    name: `chat ${model}`,
    start: new Date(at),
    end: new Date(new Date(at).getTime() + 1_000),
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": model,
      // $10 / $20 per million tokens below: $1 + $1 per call.
      "gen_ai.usage.input_tokens": 100_000,
      "gen_ai.usage.output_tokens": 50_000,
      "gen_ai.agent.name": `${model}-agent`,
    },
  });
  return [
    { traceId, spanId: root, name: "invoke_agent", start: new Date("2024-06-01T10:00:00Z"), end: new Date("2025-06-01T11:00:00Z"), attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": `${model}-agent` } },
    llm(1, "2024-06-01T10:00:00Z"),
    llm(2, "2025-06-01T10:00:00Z"),
    llm(3, "2025-06-01T10:01:00Z"),
    llm(4, "2025-06-01T10:02:00Z"),
  ];
}

test("an admin adds a missing price, re-prices the calls it covers and follows the progress to the result", async ({ asAdmin: page, asFinance, request, initApiKey }) => {
  const model = `e2e-reprice-${randomBytes(3).toString("hex")}`;
  const traceId = randomTraceId();
  const headers = { Authorization: `Bearer ${initApiKey}` };
  const sent = await request.post("/api/otel/v1/traces", { headers: { ...headers, "Content-Type": "application/json" }, data: otlpRequest(spans(traceId, model)) });
  expect(sent.status()).toBe(200);

  await page.goto("/settings");
  const unpriced = page.getByTestId("unpriced-calls");
  await expect(unpriced.getByRole("heading", { name: "Unpriced calls" })).toBeVisible();
  await expect(unpriced.getByTestId(`unpriced-model-${model}`)).toHaveText(`${model}: 4`);
  await expectNoBlockingViolations(page);

  const form = page.getByRole("form", { name: "Add a model price" });
  await form.getByLabel("Model", { exact: true }).fill("E2E re-priced model");
  await form.getByLabel("Match pattern").fill(model);
  await form.getByLabel("Input $ / 1M tokens").fill("10");
  await form.getByLabel("Output $ / 1M tokens").fill("20");
  await form.getByLabel("Effective from (UTC)").fill("2025-01-01");
  await form.getByRole("button", { name: "Add price" }).click();
  await expect(form.getByRole("status")).toHaveText(`Added E2E re-priced model (${model}) effective 2025-01-01.`);

  // All four are covered by the pattern; the one before 2025 will stay unpriced.
  const offer = page.getByTestId("reprice-offer");
  await expect(offer).toContainText(`4 unpriced calls match this price (${model}).`);
  await expectNoBlockingViolations(page);
  await offer.getByRole("button", { name: "Re-price them" }).click();
  const dialog = page.getByRole("dialog", { name: `Re-price 4 unpriced calls of “${model}”?` });
  await dialog.getByRole("button", { name: "Re-price" }).click();
  await expect(offer.getByRole("status")).toHaveText(`Re-pricing 4 unpriced calls of “${model}”.`);

  // The page shows it queued (the job starts right after the answer), with its progress bar.
  const progress = unpriced.getByRole("progressbar", { name: new RegExp(`re-pric\\w+ “${model}”`, "i") });
  await expect(progress).toHaveAttribute("aria-valuemax", "4");
  await expect(progress).toHaveAttribute("aria-valuetext", /^\d of 4 calls$/);

  // As Settings › System's "Run now" does it (system-jobs.spec.ts): a tick now, whether or not one is already under way.
  const job = page.getByRole("table", { name: "Periodic jobs" }).getByRole("row").filter({ hasText: "price_recompute" });
  await job.getByRole("button", { name: "Run now price_recompute" }).click();
  await expect(job.getByRole("status").or(job.getByRole("alert"))).toBeVisible();

  const result = unpriced.getByTestId("price-recompute-result");
  await expect(result).toHaveText(`3 calls re-priced, $6.00 added; 1 still unpriced. Requested by ${credentials("ADMIN").email}.`);
  await expect(progress).toHaveAttribute("aria-valuenow", "4");
  await expect(progress).toHaveAccessibleName(`Re-priced “${model}”`);
  // The section re-read after it finished: one call of the model is still unpriced.
  await expect(unpriced.getByTestId(`unpriced-model-${model}`)).toHaveText(`${model}: 1`);
  await expectNoBlockingViolations(page);

  // The progress the page polls: admins only.
  const id = await unpriced.getByTestId("price-recompute-progress").getAttribute("data-recompute-id");
  const polled = await page.request.get(`/settings/price-recomputes/${id}`);
  expect(polled.status()).toBe(200);
  expect((await polled.json()).recompute).toMatchObject({ id, status: "DONE", matchPattern: model, total: 4, done: 4, repriced: 3, stillUnpriced: 1, addedUsd: 6 });
  expect((await page.request.get("/settings/price-recomputes/cnotarecompute0000000000")).status()).toBe(404);
  expect((await page.request.get("/settings/price-recomputes/NOT_AN_ID")).status()).toBe(400);
  const refused = await asFinance.request.get(`/settings/price-recomputes/${id}`);
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.code).toBe("forbidden:admin");

  const runs = await request.get(`/api/v1/runs?traceId=${traceId}`, { headers });
  const run = ((await runs.json()) as { data: { totals: { costUsd: number }; flags: { unpriced: boolean } }[] }).data[0];
  expect(run).toMatchObject({ totals: { costUsd: 6 }, flags: { unpriced: true } });
});
