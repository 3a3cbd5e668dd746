/**
 * The kill switch as an ops lead uses it: pause an agent from its page with a
 * reason and a confirmation; the agent's next clearance request is refused
 * (423) with that reason; the Overview lists it as stopped; resume it from
 * there and the agent may ask again. A whole team is paused from the Agents
 * page. Viewers see the status but no switch. Axe on the open dialog and the
 * paused agent's page.
 */
import { randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./fixtures";

const hex = (n: number) => randomBytes(n).toString("hex");

async function agentOf(request: APIRequestContext, key: string, agent: string, team: string): Promise<void> {
  const at = new Date(Date.now() - 30_000).toISOString();
  const response = await request.post("/api/v1/ingest", {
    headers: { Authorization: `Bearer ${key}` },
    data: { steps: [{ traceId: hex(16), spanId: hex(8), kind: "tool_call", name: "crm.lookup", tool: "crm.lookup", arguments: { id: 7 }, startedAt: at, endedAt: at, agent, team }] },
  });
  expect(response.status(), await response.text()).toBe(200);
}

const ask = (request: APIRequestContext, key: string, agent: string) =>
  request.post("/api/v1/escalations", { headers: { Authorization: `Bearer ${key}` }, data: { agent, tool: "email.send", arguments: { to: "supplier@example.com" }, reason: "follow-up" } });

async function expectNoBlockingViolations(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const blocking = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes[0]?.target.join(" ")}`);
  expect(blocking, `axe on ${label}`).toEqual([]);
}

test("an ops lead pauses an agent; its next clearance request is refused with the reason; resumed from the Overview it may ask again", async ({ asOps: page, request, initApiKey }) => {
  const agent = `e2e-kill-${hex(3)}`;
  await agentOf(request, initApiKey, agent, `e2e-kill-team-${hex(2)}`);
  expect((await ask(request, initApiKey, agent)).status()).toBe(201);

  await page.goto(`/agents/${agent}`);
  await page.getByRole("button", { name: "Pause agent" }).click();
  const dialog = page.getByRole("dialog", { name: `Pause ${agent}?` });
  await expect(dialog).toBeVisible();
  await expectNoBlockingViolations(page, "the pause dialog");
  // The reason is required: confirming without one keeps the dialog open.
  await dialog.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Reason").fill("Looping on email.send to the same supplier");
  await dialog.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(page.getByText(`Paused ${agent}.`)).toBeVisible();
  await expect(page.getByTestId("agent-status-banner")).toContainText("Looping on email.send to the same supplier");
  await expectNoBlockingViolations(page, "a paused agent's page");

  const refused = await ask(request, initApiKey, agent);
  expect(refused.status()).toBe(423);
  const body = (await refused.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("agent_paused");
  expect(body.error.message).toContain("Looping on email.send to the same supplier");
  const status = await request.get(`/api/v1/agents/${agent}/status`, { headers: { Authorization: `Bearer ${initApiKey}` } });
  expect(await status.json()).toMatchObject({ agent, status: "paused", reason: "Looping on email.send to the same supplier" });

  await page.goto("/");
  const stopped = page.getByTestId(`stopped-agent-${agent}`);
  await expect(stopped).toContainText("Looping on email.send to the same supplier");
  await stopped.getByRole("button", { name: "Resume agent" }).click();
  const resume = page.getByRole("dialog", { name: `Resume ${agent}?` });
  await resume.getByLabel("Reason").fill("Supplier thread fixed");
  await resume.getByRole("button", { name: "Resume", exact: true }).click();
  await expect(page.getByText(`Resumed ${agent}.`)).toBeVisible();
  await expect(page.getByTestId(`stopped-agent-${agent}`)).toHaveCount(0);
  expect((await ask(request, initApiKey, agent)).status()).toBe(201);

  // Both changes are on the agent's history.
  await page.goto(`/agents/${agent}`);
  const history = page.getByRole("list", { name: "Agent history" });
  await expect(history).toContainText("Supplier thread fixed");
  await expect(history).toContainText("Looping on email.send to the same supplier");
});

test("a whole team is paused from the Agents page, and resumed", async ({ asOps: page, request, initApiKey }) => {
  const team = `e2e-team-${hex(3)}`;
  const agents = [`e2e-team-a-${hex(2)}`, `e2e-team-b-${hex(2)}`];
  for (const agent of agents) await agentOf(request, initApiKey, agent, team);
  await page.goto("/agents");
  const row = page.getByTestId(`team-row-${team}`);
  await expect(row).toContainText("2 of 2 active");
  await row.getByRole("button", { name: `Pause team ${team}` }).click();
  const dialog = page.getByRole("dialog", { name: `Pause every agent of team ${team}?` });
  await dialog.getByLabel("Reason").fill("Supplier portal outage");
  await dialog.getByRole("button", { name: "Pause", exact: true }).click();
  await expect(page.getByText(`Paused 2 agents of team ${team}`)).toBeVisible();
  for (const agent of agents) expect((await ask(request, initApiKey, agent)).status()).toBe(423);
  await page.reload();
  await expect(page.getByTestId(`team-row-${team}`)).toContainText("0 of 2 active");
  await page.getByTestId(`team-row-${team}`).getByRole("button", { name: `Resume team ${team}` }).click();
  const resume = page.getByRole("dialog", { name: `Resume every agent of team ${team}?` });
  await resume.getByLabel("Reason").fill("Portal back");
  await resume.getByRole("button", { name: "Resume", exact: true }).click();
  await expect(page.getByText(`Resumed 2 agents of team ${team}`)).toBeVisible();
  for (const agent of agents) expect((await ask(request, initApiKey, agent)).status()).toBe(201);
});

test("a viewer sees an agent's status but no kill switch", async ({ asViewer: page, request, initApiKey }) => {
  const agent = `e2e-view-${hex(3)}`;
  await agentOf(request, initApiKey, agent, `e2e-view-team-${hex(2)}`);
  const paused = await request.post(`/api/v1/agents/${agent}/status`, { headers: { Authorization: `Bearer ${initApiKey}` }, data: { status: "paused", reason: "incident INC-7" } });
  expect(paused.status()).toBe(200);
  await page.goto(`/agents/${agent}`);
  await expect(page.getByTestId("agent-status-banner")).toContainText("incident INC-7");
  await expect(page.getByRole("button", { name: /Pause|Resume/ })).toHaveCount(0);
  await page.goto("/");
  await expect(page.getByTestId(`stopped-agent-${agent}`)).toContainText("incident INC-7");
  await expect(page.getByTestId(`stopped-agent-${agent}`).getByRole("button")).toHaveCount(0);
  await request.post(`/api/v1/agents/${agent}/status`, { headers: { Authorization: `Bearer ${initApiKey}` }, data: { status: "active", reason: "done" } });
});
