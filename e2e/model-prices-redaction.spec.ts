/**
 * Admin journeys in Settings: the seeded price table, adding prices with
 * effective dates (the older one moves to "superseded"), the API seeing the
 * same table; redaction switched on, a runaway pattern refused, a custom rule
 * added, then everything put back (other specs ingest with redaction off).
 */
import { randomBytes } from "node:crypto";
import { expect, test } from "./fixtures";

test("an admin adds model prices with effective dates; the API resolves models with them", async ({ asAdmin: page, request, initApiKey }) => {
  const family = `e2e-model-${randomBytes(3).toString("hex")}`;
  await page.goto("/settings");
  const inForce = page.getByRole("table", { name: "Prices in force" });
  await expect(inForce.getByTestId("model-price-row-gpt-4o")).toContainText("$2.50");
  await expect(inForce.getByTestId("model-price-row-claude-3-5-sonnet*")).toContainText("$15.00");

  const form = page.getByRole("form", { name: "Add a model price" });
  // Invalid: a negative price is refused with a field message.
  await form.getByLabel("Model", { exact: true }).fill("E2E model");
  await form.getByLabel("Match pattern").fill(`${family}*`);
  await form.getByLabel("Input $ / 1M tokens").fill("-1");
  await form.getByLabel("Output $ / 1M tokens").fill("4");
  await form.getByLabel("Input $ / 1M tokens").evaluate((el) => el.removeAttribute("min"));
  await form.getByRole("button", { name: "Add price" }).click();
  await expect(form.getByText("Input price cannot be negative.")).toBeVisible();
  // What was typed stays to be corrected.
  await expect(form.getByLabel("Match pattern")).toHaveValue(`${family}*`);

  await form.getByLabel("Model", { exact: true }).fill("E2E model");
  await form.getByLabel("Match pattern").fill(`${family}*`);
  await form.getByLabel("Input $ / 1M tokens").fill("1.5");
  await form.getByLabel("Cached input $ / 1M").fill("0.15");
  await form.getByLabel("Output $ / 1M tokens").fill("6");
  await form.getByLabel("Effective from (UTC)").fill("2025-01-01");
  await form.getByRole("button", { name: "Add price" }).click();
  await expect(form.getByRole("status")).toContainText(`Added E2E model (${family}*) effective 2025-01-01.`);
  await expect(inForce.getByTestId(`model-price-row-${family}*`)).toContainText("$1.50");

  await form.getByLabel("Model", { exact: true }).fill("E2E model");
  await form.getByLabel("Match pattern").fill(`${family}*`);
  await form.getByLabel("Input $ / 1M tokens").fill("1");
  await form.getByLabel("Output $ / 1M tokens").fill("4");
  await form.getByLabel("Effective from (UTC)").fill("2025-09-01");
  await form.getByRole("button", { name: "Add price" }).click();
  await expect(form.getByRole("status")).toContainText("effective 2025-09-01");
  await expect(inForce.getByTestId(`model-price-row-${family}*`)).toContainText("$1.00");

  await page.getByText(/Superseded prices \(\d+\)/).click();
  const superseded = page.getByRole("table", { name: "Superseded prices" }).getByTestId(`model-price-row-${family}*`);
  await expect(superseded).toContainText("$1.50");
  await expect(superseded).toContainText("superseded 2025-09-01");

  const headers = { Authorization: `Bearer ${initApiKey}` };
  const before = await request.get(`/api/v1/model-prices?model=${family}-2025-03-01&at=2025-06-01`, { headers });
  expect((await before.json()).data[0]).toMatchObject({ inputPerMillion: 1.5, cachedInputPerMillion: 0.15, matchPattern: `${family}*` });
  const after = await request.get(`/api/v1/model-prices?model=${family}-2025-03-01`, { headers });
  expect((await after.json()).data[0]).toMatchObject({ inputPerMillion: 1, outputPerMillion: 4 });
  const unknown = await request.get(`/api/v1/model-prices?model=never-heard-of-it`, { headers });
  expect(await unknown.json()).toMatchObject({ unpriced: true, data: [] });
});

test("an admin switches redaction on, is refused a runaway pattern, adds a custom rule, and restores the default", async ({ asAdmin: page }) => {
  const ruleName = `E2E Employee ${randomBytes(2).toString("hex")}`;
  await page.goto("/settings");
  const status = page.getByTestId("redaction-status");
  await expect(status).toHaveText("off");
  await page.getByRole("button", { name: "Turn redaction on" }).click();
  await expect(status).toHaveText("on");

  const form = page.getByRole("form", { name: "Add a custom redaction rule" });
  await form.getByLabel("Rule name").fill(ruleName);
  await form.getByLabel("Pattern (JavaScript regular expression)").fill("(\\w+\\s?)+$");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(form.getByText(/exponential time/)).toBeVisible();
  await expect(form.getByLabel("Rule name")).toHaveValue(ruleName);

  await form.getByLabel("Pattern (JavaScript regular expression)").fill("EMP-\\d{6}");
  await form.getByRole("button", { name: "Add rule" }).click();
  await expect(form.getByRole("status")).toContainText(`Added the rule “${ruleName}”.`);
  await expect(form.getByLabel("Rule name")).toHaveValue("");
  const row = page.getByTestId(`redaction-rule-${ruleName}`);
  await expect(row).toContainText("EMP-\\d{6}");
  await expect(row).toContainText(`[REDACTED:${ruleName.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}]`);

  // Put everything back: delete the rule (behind a confirmation) and switch redaction off.
  await row.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete rule" }).click();
  await expect(page.getByTestId(`redaction-rule-${ruleName}`)).toHaveCount(0);
  await page.getByRole("button", { name: "Turn redaction off" }).click();
  await expect(status).toHaveText("off");
});
