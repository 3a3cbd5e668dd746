/**
 * Runbooks where decisions are made: a payment policy with a runbook (set
 * through the API, as compliance tooling would) catches an agent's request;
 * the compliance user deciding sees the policy's runbook and the agent's,
 * rendered as markdown but safely (raw HTML shown as text, a javascript: link
 * left without its link, http(s) links opened with rel="noopener noreferrer
 * nofollow"), with a link to the agent. On the run timeline the agent's
 * runbook is collapsed while the agent is active and open once it is paused.
 * Both pages pass axe with no serious or critical violation. (Editing happens
 * on the agent page: covered by the integration tests until the card is placed there.)
 */
import AxeBuilder from "@axe-core/playwright";
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { withE2eDb } from "./support/db";

const hex = (n: number) => randomBytes(n).toString("hex");

async function expectNoBlockingViolations(page: Page, selector: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include(selector).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const blocking = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(" | ")}`);
  expect(blocking).toEqual([]);
}

const POLICY_RUNBOOK = [
  "# Before approving",
  "",
  "1. Check invoice in the **ERP**: `erp.lookup_invoice`",
  "2. Call the [finance on-call](https://oncall.example.com/finance)",
  "",
  "<script>window.__runbookXss = true</script>",
  "",
  "[do not click](javascript:window.__runbookXss=true)",
].join("\n");

const AGENT_RUNBOOK = "## If it loops\n\nPause it and page **#payments-oncall**.\n\n<img src=x onerror=\"window.__runbookXss=true\">";

test("the person deciding sees the policy's and the agent's runbooks, safely rendered; the run timeline shows the agent's, open once it is paused", async ({ asCompliance: page, request, initApiKey }) => {
  test.setTimeout(90_000);
  const auth = { Authorization: `Bearer ${initApiKey}` };
  const agent = `e2e-rb-${hex(3)}`;
  const traceId = hex(16);
  const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
  const ingested = await request.post("/api/v1/ingest", {
    headers: auth,
    data: { steps: [{ traceId, spanId: hex(8), kind: "tool_call", name: "erp.lookup_invoice", tool: "erp.lookup_invoice", arguments: { invoice: "2026-7" }, startedAt: at(1), endedAt: at(2), agent }] },
  });
  expect(ingested.status()).toBe(200);
  const policyName = `Runbook payments ${hex(2)}`;
  const policy = await request.post("/api/v1/policies", {
    headers: auth,
    data: { name: policyName, agent, toolPattern: "erp.pay*", argument: "amount", threshold: 1_000, runbook: POLICY_RUNBOOK },
  });
  expect(policy.status(), await policy.text()).toBe(201);
  // The agent page (where runbooks are edited) is another journey: write the agent's runbook as version 1 directly.
  await withE2eDb(async (db) => {
    const { rows } = await db.query<{ id: string }>('UPDATE "Agent" SET runbook = $2 WHERE name = $1 RETURNING id', [agent, AGENT_RUNBOOK]);
    await db.query(
      `INSERT INTO "RunbookVersion" (id, "targetType", "targetId", version, body, message, "createdByName") VALUES ($1, 'AGENT', $2, 1, $3, 'first runbook', 'ops@flightdeck.local')`,
      [`c${hex(12)}`, rows[0]!.id, AGENT_RUNBOOK],
    );
  });
  const asked = await request.post("/api/v1/escalations", { headers: auth, data: { traceId, spanId: hex(8), agent, tool: "erp.pay_invoice", arguments: { amount: 5_000 }, reason: "due today" } });
  expect(asked.status(), await asked.text()).toBe(201);
  const { id, status } = (await asked.json()) as { id: string; status: string };
  expect(status).toBe("pending");

  await page.goto(`/escalations/${id}`);
  const runbooks = page.getByTestId("escalation-runbooks");
  await expect(runbooks.getByRole("heading", { name: "Runbooks" })).toBeVisible();
  const policyRunbook = runbooks.getByTestId("policy-runbook");
  await expect(policyRunbook.getByRole("heading", { name: `Policy “${policyName}”` })).toBeVisible();
  await expect(policyRunbook.getByRole("heading", { level: 3, name: "Before approving" })).toBeVisible();
  await expect(policyRunbook.locator("strong")).toHaveText("ERP");
  const onCall = policyRunbook.getByRole("link", { name: /finance on-call/ });
  await expect(onCall).toHaveAttribute("href", "https://oncall.example.com/finance");
  await expect(onCall).toHaveAttribute("rel", "noopener noreferrer nofollow");
  // Raw HTML is text; a javascript: link is no link.
  await expect(policyRunbook.getByText("<script>window.__runbookXss = true</script>")).toBeVisible();
  await expect(policyRunbook.getByText("do not click")).toBeVisible();
  await expect(policyRunbook.getByRole("link", { name: "do not click" })).toHaveCount(0);
  await expect(policyRunbook).toContainText("Policy version 1");

  const agentRunbook = runbooks.getByTestId("agent-runbook");
  await expect(agentRunbook.getByRole("heading", { level: 4, name: "If it loops" })).toBeVisible();
  await expect(agentRunbook).toContainText("Pause it and page #payments-oncall.");
  await expect(agentRunbook).toContainText("Version 1 · changed by ops@flightdeck.local");
  await expect(agentRunbook.locator("img")).toHaveCount(0);
  await expect(agentRunbook.getByRole("link", { name: "Open the agent's page" })).toHaveAttribute("href", `/agents/${agent}`);
  expect(await page.evaluate(() => (window as unknown as { __runbookXss?: boolean }).__runbookXss)).toBeUndefined();
  await expectNoBlockingViolations(page, '[data-testid="escalation-runbooks"]');

  // The run timeline: collapsed while the agent is active.
  const run = await request.get(`/api/v1/runs/${traceId}`, { headers: auth });
  expect(run.status()).toBe(200);
  const runId = ((await run.json()) as { id: string }).id;
  await page.goto(`/runs/${runId}`);
  const details = page.getByTestId("run-runbook");
  await expect(details).toContainText(`Runbook of ${agent}`);
  await expect(details).not.toHaveAttribute("open", /.*/);
  await expect(details.getByText("Pause it and page")).toBeHidden();
  await details.locator("summary").click();
  await expect(details.getByText("Pause it and page")).toBeVisible();
  await expectNoBlockingViolations(page, '[data-testid="run-runbook"]');

  // Paused: open from the start.
  await withE2eDb((db) => db.query(`UPDATE "Agent" SET status = 'PAUSED', "statusReason" = 'e2e runbook check', "statusChangedAt" = now() WHERE name = $1`, [agent]));
  await page.reload();
  await expect(details).toHaveAttribute("open", "");
  await expect(details).toContainText("the agent is paused");
  await expect(details.getByText("Pause it and page")).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __runbookXss?: boolean }).__runbookXss)).toBeUndefined();
});
