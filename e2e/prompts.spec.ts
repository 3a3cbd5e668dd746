/**
 * The prompt registry journey: an ops lead publishes a prompt through the
 * form (a refused entry first), finds it in the list, publishes a second
 * version from the prompt's page and compares the two side by side; the API
 * serves the same versions.
 */
import { randomBytes } from "node:crypto";
import { expect, test } from "./fixtures";

test("an ops lead publishes two prompt versions through the form and compares them", async ({ asOps: page, request, initApiKey }) => {
  const name = `e2e-triage-${randomBytes(3).toString("hex")}`;
  await page.goto("/prompts");
  const form = page.getByRole("form", { name: "New prompt version" });

  // Refused: a config that is not JSON, with the message tied to its field.
  await form.getByLabel("Prompt name").fill(name);
  await form.getByLabel("Template").fill("You triage tickets for {{product}}.\nBe helpful.");
  await form.getByLabel("Config (JSON)").fill("{nope");
  await form.getByLabel("Message").fill("First version");
  await form.getByRole("button", { name: "Publish version" }).click();
  const config = form.getByLabel("Config (JSON)");
  await expect(config).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByText("The config is not valid JSON.")).toBeVisible();
  await expect(form.getByLabel("Prompt name")).toHaveValue(name);

  await config.fill('{ "model": "gpt-4o", "temperature": 0.2 }');
  await form.getByRole("button", { name: "Publish version" }).click();
  await expect(form.getByRole("status")).toContainText(`Published ${name} version 1.`);

  await page.goto(`/prompts?q=${name}`);
  const row = page.getByTestId(`prompt-row-${name}`);
  await expect(row).toContainText("text");
  await expect(row).toContainText("1");
  await row.getByRole("link", { name }).click();

  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByTestId("prompt-version-row-1")).toContainText("First version");
  await expect(page.getByRole("list", { name: "Placeholders" })).toContainText("{{product}}");

  const next = page.getByRole("form", { name: "New prompt version" });
  await expect(next.getByLabel("Template")).toHaveValue("You triage tickets for {{product}}.\nBe helpful.");
  await next.getByLabel("Template").fill("You triage tickets for {{product}}.\nBe terse.\nAsk for {{ticketId}}.");
  await next.getByLabel("Config (JSON)").fill('{ "model": "gpt-4o-mini", "temperature": 0.2 }');
  await next.getByLabel("Message").fill("Terser answers");
  await next.getByRole("button", { name: "Publish version" }).click();
  await expect(next.getByRole("status")).toContainText(`Published ${name} version 2.`);

  await page.goto(`/prompts/${name}`);
  await expect(page.getByTestId("prompt-version-row-2")).toContainText("Terser answers");
  const compare = page.getByRole("form", { name: "Compare versions" });
  await compare.getByLabel("From").selectOption("1");
  await compare.getByLabel("To").selectOption("2");
  await compare.getByRole("button", { name: "Compare" }).click();
  await expect(page).toHaveURL(/from=1&to=2/);
  const diff = page.getByTestId("template-diff");
  await expect(diff.locator("del", { hasText: "helpful" })).toBeVisible();
  await expect(diff.locator("ins", { hasText: "terse" })).toBeVisible();
  await expect(diff.locator('tr[data-kind="added"]')).toContainText("Ask for {{ticketId}}.");
  await expect(page.getByTestId("config-diff")).toContainText("model");
  await expect(page.getByTestId("config-diff")).toContainText('"gpt-4o-mini"');

  const api = await request.get(`/api/v1/prompts/${name}?version=2`, { headers: { Authorization: `Bearer ${initApiKey}` } });
  expect(api.status()).toBe(200);
  expect(await api.json()).toMatchObject({ name, version: 2, message: "Terser answers", config: { model: "gpt-4o-mini" } });
});

test("a viewer sees the registry but no form to publish", async ({ asViewer: page }) => {
  await page.goto("/prompts");
  await expect(page.getByRole("heading", { name: "Prompts", level: 1 })).toBeVisible();
  await expect(page.getByRole("form", { name: "New prompt version" })).toHaveCount(0);
});
