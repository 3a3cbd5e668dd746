/**
 * Budgets, as finance uses them: set a budget on a new team from the spend
 * page, more spend arrives through ingestion, the forecast moves and an alert
 * appears (on the spend page and the Overview); a raise waits for a second
 * person. An ops lead sees budgets but has no control to set them, and the
 * server refuses the action anyway. Agents reserve through the API; an
 * over-cap reservation is refused.
 */
import { randomBytes } from "node:crypto";
import type { APIRequestContext, Page } from "@playwright/test";
import { E2E_AGENT_PORT } from "./constants";
import { expect, test } from "./fixtures";

const hex = (n: number) => randomBytes(n).toString("hex");

/** One LLM call of `usd` for the agent and team, stamped now, through the native ingestion API. */
async function spend(request: APIRequestContext, key: string, agent: string, team: string, usd: number, traceId = hex(16)) {
  const now = new Date().toISOString();
  const response = await request.post("/api/v1/ingest", {
    headers: { Authorization: `Bearer ${key}` },
    data: { steps: [{ traceId, spanId: hex(8), kind: "llm_call", name: "chat", startedAt: now, endedAt: now, model: "gpt-4o", inputTokens: 100, outputTokens: 50, costUsd: usd, agent, team }] },
  });
  expect(response.status()).toBe(200);
  return traceId;
}

const budgetCard = (page: Page, team: string) => page.getByTestId("budget-card").filter({ has: page.getByRole("heading", { name: `Team ${team} budget` }) });

test("finance sets a team budget, spend arrives, the forecast moves and an alert appears; a raise waits for approval", async ({ asFinance: finance, asCompliance: compliance, request, initApiKey }) => {
  test.setTimeout(90_000);
  const team = `e2e-team-${hex(3)}`;
  const agent = `e2e-agent-${hex(3)}`;
  await spend(request, initApiKey, agent, team, 1);

  await finance.goto("/spend");
  await expect(finance.getByRole("heading", { name: /Budgets · \d{4}-\d{2} \(UTC\)/ })).toBeVisible();
  await expect(finance.getByText("Forecast: Rate = the higher of the last 24 hours")).toBeVisible();
  const form = finance.getByRole("form", { name: "New budget" });
  await form.getByLabel("Applies to").selectOption("team");
  await form.getByLabel("Team").selectOption(team);
  // A limit the server refuses keeps what was typed and says why.
  await form.getByLabel("Monthly limit (USD)").fill("12.345");
  await form.getByLabel("Alert thresholds (% of the limit)").fill("50, 80");
  await form.getByLabel("Reason").fill("Pilot budget for the new team");
  await form.getByRole("button", { name: "Set budget" }).click();
  await expect(form.getByLabel("Monthly limit (USD)")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByText("at most 2 decimals")).toBeVisible();
  await form.getByLabel("Monthly limit (USD)").fill("10");
  await form.getByRole("button", { name: "Set budget" }).click();
  await expect(form.getByRole("status")).toContainText(`Applied: Team ${team} budget: new budget`);

  await finance.reload();
  const card = budgetCard(finance, team);
  await expect(card.getByTestId("budget-spent")).toHaveText("$1.00");
  const forecastBefore = await card.getByTestId("budget-forecast").innerText();
  await expect(card.getByTestId("burn-down-chart")).toBeVisible();
  await expect(card.getByText("No threshold crossed yet.")).toBeVisible();

  // $5.50 more arrives through ingestion: 65 % of the limit, past the 50 % threshold.
  await spend(request, initApiKey, agent, team, 5.5);
  await expect(async () => {
    await finance.reload();
    await expect(budgetCard(finance, team).getByTestId("budget-alerts")).toContainText("50 %", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(card.getByTestId("budget-spent")).toHaveText("$6.50");
  expect(await card.getByTestId("budget-forecast").innerText()).not.toBe(forecastBefore);
  await expect(card.getByTestId("budget-alerts")).not.toContainText("80 %");

  await finance.goto("/");
  await expect(finance.getByTestId("overview-budget-alerts")).toContainText(`Team ${team} budget`);

  // Raising the limit only proposes it; compliance approves, and the new limit shows.
  await finance.goto("/spend");
  const again = budgetCard(finance, team);
  await again.getByText("Change this budget").click();
  const edit = again.getByRole("form", { name: "Change budget" });
  await edit.getByLabel("Monthly limit (USD)").fill("25");
  await edit.getByLabel("Reason").fill("More tickets than planned");
  await edit.getByRole("button", { name: "Save budget" }).click();
  await expect(edit.getByRole("status")).toContainText("waits for another person's approval");
  const link = edit.getByRole("link", { name: "Open the change" });
  const href = await link.getAttribute("href");
  await finance.reload();
  await expect(budgetCard(finance, team).getByText("Waiting for approval")).toBeVisible();
  await expect(budgetCard(finance, team)).toContainText("$10.00 a month");

  await compliance.goto(href!);
  const decision = compliance.getByRole("form", { name: "Decide this change" });
  await decision.getByLabel("Comment").fill("Approved for this month.");
  await decision.getByRole("button", { name: "Approve and apply" }).click();
  await expect(compliance.getByRole("status").filter({ hasText: "Approved and applied" })).toBeVisible();
  await finance.reload();
  await expect(budgetCard(finance, team)).toContainText("$25.00 a month");
});

test("an ops lead sees budgets but cannot set them: no form, and the server refuses the action", async ({ asOps: ops, asFinance: finance, request, initApiKey }) => {
  const team = `e2e-ops-${hex(3)}`;
  await spend(request, initApiKey, `e2e-ops-agent-${hex(3)}`, team, 0.1);
  await ops.goto("/spend");
  await expect(ops.getByRole("heading", { name: /Budgets · / })).toBeVisible();
  await expect(ops.getByRole("form", { name: "New budget" })).toHaveCount(0);
  await expect(ops.getByText("Change this budget")).toHaveCount(0);

  // The action call finance's form makes, captured before it reaches the server, is replayed with the ops lead's session.
  await finance.goto("/spend");
  const form = finance.getByRole("form", { name: "New budget" });
  await form.getByLabel("Applies to").selectOption("team");
  await form.getByLabel("Team").selectOption(team);
  await form.getByLabel("Monthly limit (USD)").fill("5");
  await form.getByLabel("Reason").fill("Should not pass as an ops lead");
  const captured = new Promise<{ headers: Record<string, string>; body: Buffer }>((resolve) => {
    void finance.route("**/spend", async (route) => {
      const r = route.request();
      if (r.method() !== "POST") return route.continue();
      resolve({ headers: r.headers(), body: r.postDataBuffer() ?? Buffer.alloc(0) });
      await route.abort();
    });
  });
  await form.getByRole("button", { name: "Set budget" }).click();
  const { headers, body } = await captured;
  const replay = await ops.request.post("/spend", {
    headers: { "next-action": headers["next-action"]!, "content-type": headers["content-type"]!, accept: headers.accept ?? "text/x-component", origin: headers.origin ?? "" },
    data: body,
  });
  expect(await replay.text()).toContain("is not allowed to do this (needs budgets:write)");
  const budgets = await request.get("/api/v1/budgets", { headers: { Authorization: `Bearer ${initApiKey}` } });
  expect(((await budgets.json()) as { data: { team: string | null }[] }).data.some((b) => b.team === team)).toBe(false);
});

test("agents reserve against a hard cap through the API: granted while it fits, 409 beyond", async ({ request, initApiKey }) => {
  const team = `e2e-cap-${hex(3)}`;
  const agent = `e2e-capped-${hex(3)}`;
  const auth = { Authorization: `Bearer ${initApiKey}` };
  await spend(request, initApiKey, agent, team, 0.5);
  const created = await request.post("/api/v1/budgets", { headers: auth, data: { scope: "agent", agent, monthlyLimitUsd: 2, hardCap: true } });
  expect(created.status()).toBe(201);
  const granted = await request.post("/api/v1/budgets/reservations", { headers: auth, data: { agent, estimatedCostUsd: 1 } });
  expect(granted.status()).toBe(201);
  expect(await granted.json()).toMatchObject({ allowed: true, remainingUsd: 0.5 });
  const refused = await request.post("/api/v1/budgets/reservations", { headers: auth, data: { agent, estimatedCostUsd: 1 } });
  expect(refused.status()).toBe(409);
  expect(await refused.json()).toMatchObject({ allowed: false, remainingUsd: 0.5 });
  const check = await request.get(`/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=0.25`, { headers: auth });
  expect(await check.json()).toMatchObject({ allowed: true, remainingUsd: 0.5 });

  // The agent listener (AGENT_PORT, as npm start runs it) answers the same, against the same budgets.
  const listener = `http://localhost:${E2E_AGENT_PORT}`;
  const same = await request.get(`${listener}/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=0.25`, { headers: auth });
  expect(same.status()).toBe(200);
  expect(await same.json()).toEqual(await check.json());
  const viaListener = await request.post(`${listener}/api/v1/budgets/reservations`, { headers: auth, data: { agent, estimatedCostUsd: 0.25 } });
  expect(viaListener.status()).toBe(201);
  expect(await viaListener.json()).toMatchObject({ allowed: true, remainingUsd: 0.25 });
  const after = await request.get(`/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=0.25`, { headers: auth });
  expect(await after.json()).toMatchObject({ allowed: true, remainingUsd: 0.25 });
  expect((await request.get(`${listener}/api/v1/runs`, { headers: auth })).status()).toBe(404);
});
