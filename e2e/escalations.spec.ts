/**
 * Escalations, as compliance works them: an agent (an API call) asks for
 * clearance of a payment over the limit and waits (a long-poll); a compliance
 * user sees it appear in the queue without reloading, opens it, sees the run
 * that led to it, approves a lower amount with a comment; the waiting call
 * returns approved with that amount and comment. A two-approver policy needs
 * a second, different compliance user. An agent that then pays the amount it
 * asked for instead of the one approved is caught: the escalation and the run
 * say so, and an ops lead finds the run by that flag.
 */
import { randomBytes } from "node:crypto";
import type { APIRequestContext, Page } from "@playwright/test";
import { hashPassword } from "../lib/passwords";
import { expect, signIn, test } from "./fixtures";
import { withE2eDb } from "./support/db";

const hex = (n: number) => randomBytes(n).toString("hex");

/** A short run for the agent: a decision and an earlier tool call, so the escalation has context. */
async function runOf(request: APIRequestContext, key: string, agent: string, team: string): Promise<string> {
  const traceId = hex(16);
  const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
  const response = await request.post("/api/v1/ingest", {
    headers: { Authorization: `Bearer ${key}` },
    data: {
      steps: [
        { traceId, spanId: hex(8), kind: "tool_call", name: "erp.lookup_invoice", tool: "erp.lookup_invoice", arguments: { invoice: "2026-114" }, startedAt: at(1), endedAt: at(2), agent, team },
        { traceId, spanId: hex(8), kind: "decision", name: "pay the supplier", decision: { chosen: "pay_invoice", rationale: "invoice 2026-114 is due today", confidence: 0.82 }, startedAt: at(3), endedAt: at(3), agent, team },
      ],
    },
  });
  expect(response.status()).toBe(200);
  return traceId;
}

async function policy(request: APIRequestContext, key: string, body: Record<string, unknown>) {
  const response = await request.post("/api/v1/policies", { headers: { Authorization: `Bearer ${key}` }, data: body });
  expect(response.status(), await response.text()).toBe(201);
}

async function ask(request: APIRequestContext, key: string, body: Record<string, unknown>): Promise<{ id: string; status: string }> {
  const response = await request.post("/api/v1/escalations", { headers: { Authorization: `Bearer ${key}` }, data: body });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { id: string; status: string };
}

/** The agent's long-poll: at most 55 s per call, asked again while still pending. */
async function waitForDecision(request: APIRequestContext, key: string, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 3; i++) {
    const response = await request.get(`/api/v1/escalations/${id}?waitSeconds=55`, { headers: { Authorization: `Bearer ${key}` }, timeout: 70_000 });
    expect(response.status()).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    if (body.status !== "pending") return body;
  }
  throw new Error("still pending after three waits");
}

const row = (page: Page, agent: string) => page.getByTestId("queue-row").filter({ hasText: agent });

test("an agent waits for clearance of a payment over the limit; compliance sees it live and approves a lower amount with a comment", async ({ asCompliance: compliance, request, initApiKey }) => {
  test.setTimeout(120_000);
  const team = `e2e-pay-${hex(3)}`;
  const agent = `e2e-payer-${hex(3)}`;
  const traceId = await runOf(request, initApiKey, agent, team);
  await policy(request, initApiKey, { name: `Payments over 10k ${hex(2)}`, team, toolPattern: "erp.pay*", argument: "amount", threshold: 10_000, slaMinutes: 30 });

  await compliance.goto("/escalations");
  await expect(compliance.getByTestId("queue-live")).toHaveAttribute("data-live", "true");
  await expect(row(compliance, agent)).toHaveCount(0);

  const asked = await ask(request, initApiKey, {
    traceId,
    spanId: hex(8),
    agent,
    tool: "erp.pay_invoice",
    arguments: { amount: 12_500, currency: "EUR", invoice: "2026-114" },
    reason: "Supplier invoice 2026-114 is due today",
    confidence: 0.82,
  });
  expect(asked.status).toBe("pending");
  const waiting = waitForDecision(request, initApiKey, asked.id);

  // No reload: the server-sent event brings it in.
  await expect(row(compliance, agent)).toBeVisible({ timeout: 15_000 });
  await expect(row(compliance, agent)).toContainText("erp.pay_invoice");
  await row(compliance, agent).getByRole("link", { name: "erp.pay_invoice" }).click();

  await expect(compliance.getByRole("heading", { level: 1, name: `erp.pay_invoice for ${agent}` })).toBeVisible();
  await expect(compliance.getByTestId("match-reasons")).toContainText("amount 12,500 is above 10,000");
  await expect(compliance.getByText("“Supplier invoice 2026-114 is due today”")).toBeVisible();
  const context = compliance.getByTestId("run-context");
  await expect(context).toContainText("erp.lookup_invoice");
  await expect(context).toContainText("invoice 2026-114 is due today");
  await expect(compliance.getByRole("link", { name: "Open the full timeline →" })).toHaveAttribute("href", /^\/runs\/c[a-z0-9]+$/);

  const form = compliance.getByRole("form", { name: "Decide this escalation" });
  await form.getByLabel("Approve with changed arguments").check();
  const editor = form.getByLabel("Arguments to approve (JSON)");
  // Not JSON: said at once, and nothing can be approved.
  await editor.fill('{ "amount": 9000, ');
  await expect(form.getByText(/Not valid JSON/)).toBeVisible();
  await expect(form.getByRole("button", { name: /^Approve/ })).toBeDisabled();
  await editor.fill(JSON.stringify({ amount: 9_000, currency: "EUR", invoice: "2026-114" }, null, 2));
  await form.getByLabel("Comment").fill("Pay 9,000 now; the rest after the credit note.");
  await form.getByRole("button", { name: "Approve with these arguments…" }).click();
  await compliance.getByRole("dialog").getByRole("button", { name: "Approve now" }).click();

  const answer = await waiting;
  expect(answer).toMatchObject({
    status: "approved",
    verdict: "approve",
    comment: "Pay 9,000 now; the rest after the credit note.",
    approvedArguments: { amount: 9_000, currency: "EUR", invoice: "2026-114" },
    arguments: { amount: 12_500, currency: "EUR", invoice: "2026-114" },
  });
  await expect(compliance.getByRole("main").getByText("approved", { exact: true })).toBeVisible();
  await expect(compliance.getByTestId("approved-arguments")).toContainText("9000");

  await compliance.goto("/escalations/history");
  await expect(compliance.getByTestId("history-row").filter({ hasText: agent })).toContainText("compliance@flightdeck.local");
});

test("an agent that pays more than was approved is caught on the escalation, the run and the runs list", async ({ asOps: ops, request, initApiKey }) => {
  test.setTimeout(90_000);
  const team = `e2e-bind-${hex(3)}`;
  const agent = `e2e-overpayer-${hex(3)}`;
  const traceId = await runOf(request, initApiKey, agent, team);
  await policy(request, initApiKey, { name: `Bound payments ${hex(2)}`, team, toolPattern: "erp.pay*", argument: "amount", threshold: 10_000 });
  const asked = await ask(request, initApiKey, { traceId, spanId: hex(8), agent, tool: "erp.pay_invoice", arguments: { amount: 12_500, invoice: "2026-115" }, reason: "due today", confidence: 0.9 });
  const decided = await request.post(`/api/v1/escalations/${asked.id}/decision`, {
    headers: { Authorization: `Bearer ${initApiKey}` },
    data: { verdict: "approve", comment: "9,000 only", decidedBy: "compliance@flightdeck.local", arguments: { amount: 9_000, invoice: "2026-115" } },
  });
  expect(decided.status(), await decided.text()).toBe(200);

  // The agent pays what it asked for, not what was approved: its tool call arrives through ingestion.
  const paid = await request.post("/api/v1/ingest", {
    headers: { Authorization: `Bearer ${initApiKey}` },
    data: {
      steps: [
        { traceId, spanId: hex(8), kind: "tool_call", name: "erp.pay_invoice", tool: "erp.pay_invoice", arguments: { amount: 12_500, invoice: "2026-115" }, startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), agent, team },
      ],
    },
  });
  expect(paid.status()).toBe(200);

  await ops.goto(`/escalations/${asked.id}`);
  await expect(ops.getByTestId("executed-differently")).toContainText("Executed differently than approved: executed with other arguments than approved.");

  // The runs list finds it by that flag, and the run says so in its header.
  await ops.goto(`/runs?agent=${encodeURIComponent(agent)}&flag=executedDifferently`);
  await expect(ops.getByTestId("run-row")).toHaveCount(1);
  await expect(ops.getByTestId("run-row").getByTestId("flag-executedDifferently")).toHaveText("≠Executed differently");
  await ops.getByTestId("run-row").getByRole("link").first().click();
  await expect(ops.getByRole("main").getByTestId("flag-executedDifferently")).toBeVisible();
});

test("a two-approver policy needs a second, different compliance user", async ({ asCompliance: compliance, browser, request, initApiKey }) => {
  test.setTimeout(120_000);
  const team = `e2e-four-${hex(3)}`;
  const agent = `e2e-mover-${hex(3)}`;
  await runOf(request, initApiKey, agent, team);
  await policy(request, initApiKey, { name: `Transfers, four eyes ${hex(2)}`, team, toolPattern: "bank.transfer", requiredApprovals: 2 });
  const second = { email: `compliance2-${hex(3)}@flightdeck.local`, password: "second-compliance-pass" };
  const passwordHash = await hashPassword(second.password);
  await withE2eDb((db) =>
    db.query(`INSERT INTO "User" (id, email, name, "passwordHash", role, "updatedAt") VALUES ($1, $2, 'Second Compliance', $3, 'COMPLIANCE', now())`, [`c${hex(12)}`, second.email, passwordHash]),
  );

  const asked = await ask(request, initApiKey, { agent, tool: "bank.transfer", arguments: { amount: 250_000, to: "DE89" }, reason: "quarterly settlement" });
  const waiting = waitForDecision(request, initApiKey, asked.id);

  await compliance.goto(`/escalations/${asked.id}`);
  const form = compliance.getByRole("form", { name: "Decide this escalation" });
  await expect(form.getByText("Four eyes: 2 people must approve the same arguments.")).toBeVisible();
  await form.getByLabel("Comment").fill("Checked the settlement sheet.");
  await form.getByRole("button", { name: "Approve…" }).click();
  await compliance.getByRole("dialog").getByRole("button", { name: "Approve now" }).click();
  // The page re-renders with the approval recorded: this person cannot approve a second time.
  await expect(compliance.getByTestId("cannot-decide")).toContainText("You have approved it; it needs another person's approval.");
  await expect(compliance.getByTestId("decisions")).toContainText("Approved by compliance@flightdeck.local");

  // Still waiting: one approval is not enough.
  const early = await Promise.race([waiting.then(() => "answered"), new Promise((r) => setTimeout(() => r("waiting"), 1_000))]);
  expect(early).toBe("waiting");

  const context = await browser.newContext();
  const other = await context.newPage();
  await signIn(other, second.email, second.password);
  await other.goto(`/escalations/${asked.id}`);
  const secondForm = other.getByRole("form", { name: "Decide this escalation" });
  await secondForm.getByLabel("Comment").fill("Second pair of eyes: fine.");
  await secondForm.getByRole("button", { name: "Approve…" }).click();
  await other.getByRole("dialog").getByRole("button", { name: "Approve now" }).click();
  const answer = await waiting;
  expect(answer).toMatchObject({ status: "approved", approvals: 2, comment: "Second pair of eyes: fine.", approvedArguments: { amount: 250_000, to: "DE89" } });
  await context.close();
});

test("a viewer sees an escalation but has no way to decide it", async ({ asViewer: viewer, request, initApiKey }) => {
  const team = `e2e-view-${hex(3)}`;
  const agent = `e2e-viewed-${hex(3)}`;
  await runOf(request, initApiKey, agent, team);
  await policy(request, initApiKey, { name: `Viewer check ${hex(2)}`, team, toolPattern: "crm.*" });
  const asked = await ask(request, initApiKey, { agent, tool: "crm.delete_contact", arguments: { id: 7 } });
  await viewer.goto(`/escalations/${asked.id}`);
  await expect(viewer.getByTestId("cannot-decide")).toContainText("Your role does not decide escalations");
  await expect(viewer.getByRole("form", { name: "Decide this escalation" })).toHaveCount(0);
  const read = await request.get(`/api/v1/escalations/${asked.id}`, { headers: { Authorization: `Bearer ${initApiKey}` } });
  expect(((await read.json()) as { status: string }).status).toBe("pending");
});

test("compliance tries a policy against history, adds it (at once), and a loosening waits for a second person", async ({ asCompliance: compliance, request, initApiKey }) => {
  test.setTimeout(90_000);
  const team = `e2e-trial-${hex(3)}`;
  const agent = `e2e-trialled-${hex(3)}`;
  const traceId = hex(16);
  const now = new Date().toISOString();
  const tool = `erp.refund_${hex(2)}`;
  const ingest = await request.post("/api/v1/ingest", {
    headers: { Authorization: `Bearer ${initApiKey}` },
    data: {
      steps: [25_000, 18_000, 40].map((amount) => ({ traceId, spanId: hex(8), kind: "tool_call", name: tool, tool, arguments: { amount }, startedAt: now, endedAt: now, agent, team })),
    },
  });
  expect(ingest.status()).toBe(200);
  const name = `Refunds over 10k ${hex(2)}`;

  await compliance.goto("/escalations/policies");
  const form = compliance.getByRole("form", { name: "New policy" });
  if (!(await form.isVisible())) await compliance.getByText("New policy", { exact: true }).click();
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Applies to").selectOption("team");
  await form.getByLabel("Team").selectOption(team);
  await form.getByLabel("Tool pattern").fill(tool);
  await form.getByLabel("Numeric argument").fill("amount");
  await form.getByLabel("…is above").fill("ten thousand");
  await form.getByRole("button", { name: "Add policy" }).click();
  await expect(form.getByLabel("…is above")).toHaveAttribute("aria-invalid", "true");
  await form.getByLabel("…is above").fill("10000");
  await expect(form.getByTestId("policy-verdict")).toContainText("Saving applies at once");
  await form.getByRole("button", { name: "Try against the last 30 days" }).click();
  await expect(form.getByTestId("policy-trial")).toContainText(`${agent} (2)`);
  await expect(form.getByRole("status")).toContainText("this policy would have stopped 2 tool calls of 1 agent");
  await form.getByLabel("Reason").fill("Refund fraud last quarter");
  await form.getByRole("button", { name: "Add policy" }).click();
  await expect(form.getByRole("status")).toContainText(`Applied: Policy “${name}”: new policy`);

  await compliance.reload();
  const row = compliance.getByTestId("policy-row").filter({ hasText: name });
  await row.getByText("Change this policy").click();
  const edit = row.getByRole("form", { name: `Edit policy ${name}` });
  await edit.getByLabel("…is above").fill("50000");
  await expect(edit.getByTestId("policy-verdict")).toContainText("waits for a second person's approval, because it raises the threshold (10000 → 50000)");
  await edit.getByRole("button", { name: "Save policy" }).click();
  await expect(edit.getByRole("status")).toContainText("waits for another person's approval");
  await expect(edit.getByRole("link", { name: "Open the change" })).toHaveAttribute("href", /^\/changes\/c[a-z0-9]+$/);
});
