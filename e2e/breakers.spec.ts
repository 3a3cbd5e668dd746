/**
 * Circuit breakers as an ops lead uses them: replay a new breaker against the
 * last 30 days before enforcing it (it shows when it would have tripped, with
 * the runs), add it in enforce mode, and a burst of failing tool calls through
 * ingestion trips the agent: the agent's clearance request is refused
 * (agent_tripped), the Overview shows the trip, and resuming needs the trip's
 * reason acknowledged.
 */
import { randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";

const hex = (n: number) => randomBytes(n).toString("hex");

/** One run of `calls` tool calls of the agent, `failing` of them failed, `ageMs` ago. */
async function toolRun(request: APIRequestContext, key: string, agent: string, calls: number, failing: number, ageMs: number): Promise<void> {
  const traceId = hex(16);
  const start = Date.now() - ageMs;
  const steps = Array.from({ length: calls }, (_, i) => ({
    traceId,
    spanId: hex(8),
    kind: "tool_call",
    name: "erp.lookup_invoice",
    tool: "erp.lookup_invoice",
    arguments: { invoice: `2026-${i}` },
    startedAt: new Date(start + i * 1000).toISOString(),
    endedAt: new Date(start + i * 1000 + 400).toISOString(),
    agent,
    team: "e2e-breakers",
    ...(i < failing ? { status: "failed", error: "ERP timeout" } : {}),
  }));
  const response = await request.post("/api/v1/ingest", { headers: { Authorization: `Bearer ${key}` }, data: { steps } });
  expect(response.status(), await response.text()).toBe(200);
}

async function expectNoBlockingViolations(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const blocking = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes[0]?.target.join(" ")}`);
  expect(blocking, `axe on ${label}`).toEqual([]);
}

test("a replay shows when a new breaker would have tripped; enforced, a burst of failing tool calls trips the agent and the Overview shows it", async ({ asOps: page, request, initApiKey }) => {
  test.setTimeout(120_000);
  const agent = `e2e-brk-${hex(3)}`;
  // History: two days ago a run whose tool calls mostly failed; yesterday a healthy one.
  await toolRun(request, initApiKey, agent, 8, 6, 2 * 86_400_000);
  await toolRun(request, initApiKey, agent, 8, 0, 86_400_000);

  await page.goto(`/agents/${agent}`);
  const form = page.getByRole("form", { name: "New breaker" });
  await expect(form).toBeVisible();
  await form.getByLabel("Name").fill("ERP errors");
  await form.getByLabel("Condition").selectOption("TOOL_ERROR_RATE");
  await form.getByLabel("Error rate above (%)").fill("50");
  await form.getByLabel("Over the last N tool calls").fill("6");
  await form.getByLabel("Minimum calls in the window").fill("5");
  await form.getByRole("button", { name: "Replay last 30 days" }).click();
  const replay = form.getByTestId("breaker-replay");
  await expect(replay).toBeVisible();
  await expect(replay.getByTestId("breaker-replay-trip")).toHaveCount(1);
  await expect(replay.getByTestId("breaker-replay-trip").getByRole("link").first()).toHaveAttribute("href", /^\/runs\//);
  await expectNoBlockingViolations(page, "a breaker's replay");

  await form.getByLabel("Mode").selectOption("ENFORCE");
  await form.getByRole("button", { name: "Add breaker" }).click();
  await expect(page.getByText("ERP errors").first()).toBeVisible();

  // A burst of failing tool calls: the agent is tripped when ingestion acknowledges it.
  await toolRun(request, initApiKey, agent, 6, 6, 5_000);
  const status = await request.get(`/api/v1/agents/${agent}/status`, { headers: { Authorization: `Bearer ${initApiKey}` } });
  expect(await status.json()).toMatchObject({ agent, status: "tripped", breaker: "ERP errors" });
  const ask = await request.post("/api/v1/escalations", { headers: { Authorization: `Bearer ${initApiKey}` }, data: { agent, tool: "erp.pay_invoice", arguments: { amount: 10 } } });
  expect(ask.status()).toBe(423);
  expect(((await ask.json()) as { error: { code: string } }).error.code).toBe("agent_tripped");

  await page.goto("/");
  await expect(page.getByTestId(`stopped-agent-${agent}`)).toContainText("tripped");
  await expect(page.getByTestId("breaker-activity").getByTestId(`breaker-event-${agent}`).first()).toContainText("ERP errors");

  // Resuming a tripped agent needs its trip's reason acknowledged.
  await page.goto(`/agents/${agent}`);
  await expect(page.getByTestId("agent-status-banner")).toContainText("ERP errors");
  await page.getByRole("button", { name: "Resume agent" }).click();
  const dialog = page.getByRole("dialog", { name: `Resume ${agent}?` });
  await dialog.getByLabel("Reason").fill("ERP back, retries fixed");
  await dialog.getByRole("button", { name: "Resume", exact: true }).click();
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("I have read why it tripped and dealt with it.").check();
  await dialog.getByRole("button", { name: "Resume", exact: true }).click();
  await expect(page.getByText(`Resumed ${agent}.`)).toBeVisible();
  const after = await request.get(`/api/v1/agents/${agent}/status`, { headers: { Authorization: `Bearer ${initApiKey}` } });
  expect(await after.json()).toMatchObject({ status: "active" });
  await expect(page.getByRole("list", { name: "Agent history" })).toContainText("Acknowledged the trip");
});
