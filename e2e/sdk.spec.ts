/**
 * The TypeScript SDK (sdk/, imported from source) against the running app,
 * as an agent uses it: a published prompt fetched, compiled and revalidated
 * by ETag, with its canary key honoured; budget reserved against a hard cap
 * and refused beyond it; a payment over a policy's limit waiting for
 * clearance while a compliance user approves a lower amount in the browser,
 * the tool then running with that amount; a paused agent stopped before its
 * next call (by the status read, by a 423, and by the status watch); the
 * console unreachable: the fallback prompt, and no clearance ever granted.
 * Last, the example agent (examples/invoice-agent) end to end: it waits, a
 * compliance user approves a lower amount, and its run shows the clearance.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { APIRequestContext, Page } from "@playwright/test";
import { AgentStoppedError, BudgetDeniedError, ClearanceTimeoutError, createFlightdeck, FlightdeckNetworkError, type Flightdeck, type FlightdeckOptions } from "../sdk/src/index";
import { expect, test } from "./fixtures";

const hex = (n: number) => randomBytes(n).toString("hex");

function sdk(baseURL: string | undefined, apiKey: string, agent: string, options: Partial<FlightdeckOptions> = {}): Flightdeck {
  return createFlightdeck({ baseUrl: baseURL!, apiKey, agent, timeoutMs: 10_000, ...options });
}

/** One tool call for the agent of a team, so the agent exists (with its team) before the SDK asks for it. */
async function agentOf(request: APIRequestContext, key: string, agent: string, team: string, costUsd?: number): Promise<string> {
  const traceId = hex(16);
  const at = new Date(Date.now() - 30_000).toISOString();
  const step =
    costUsd === undefined
      ? { traceId, spanId: hex(8), kind: "tool_call", name: "erp.lookup_invoice", tool: "erp.lookup_invoice", arguments: { invoice: "2026-114" }, startedAt: at, endedAt: at, agent, team }
      : { traceId, spanId: hex(8), kind: "llm_call", name: "chat", startedAt: at, endedAt: at, model: "gpt-4o", inputTokens: 100, outputTokens: 50, costUsd, agent, team };
  const response = await request.post("/api/v1/ingest", { headers: { Authorization: `Bearer ${key}` }, data: { steps: [step] } });
  expect(response.status(), await response.text()).toBe(200);
  return traceId;
}

const row = (page: Page, agent: string) => page.getByTestId("queue-row").filter({ hasText: agent });

test("getPrompt serves a published prompt compiled, revalidates it by ETag and keeps a canary key on its side", async ({ request, initApiKey, baseURL }) => {
  const name = `e2e-sdk-${hex(3)}`;
  const auth = { Authorization: `Bearer ${initApiKey}` };
  const templates = [
    [{ role: "system", content: "You reconcile invoices of {{supplier}}." }, { role: "user", content: "Check invoice {{ invoice }}." }],
    [{ role: "system", content: "You reconcile invoices of {{supplier}} line by line." }, { role: "user", content: "Check invoice {{ invoice }}." }],
  ];
  for (const [i, template] of templates.entries()) {
    const created = await request.post(`/api/v1/prompts/${name}/versions`, { headers: auth, data: { template, config: { model: "gpt-4o" }, message: `v${i + 1}` } });
    expect(created.status(), await created.text()).toBe(201);
  }
  const moved = await request.post(`/api/v1/prompts/${name}/labels`, { headers: auth, data: { label: "staging", version: 1, canary: { version: 2, weight: 50 } } });
  expect(moved.status(), await moved.text()).toBe(200);

  const fd = sdk(baseURL, initApiKey, `e2e-sdk-agent-${hex(3)}`, { promptFreshnessMs: 0 });
  const variables = { supplier: "ACME GmbH", invoice: "2026-114" };
  const first = await fd.getPrompt(name, { label: "staging", key: "conversation-1", variables });
  expect(first.source).toBe("network");
  expect([1, 2]).toContain(first.version);
  expect(first.arm).toBe(first.version === 2 ? "canary" : "control");
  expect(first.compiled).toEqual([
    { role: "system", content: first.version === 2 ? "You reconcile invoices of ACME GmbH line by line." : "You reconcile invoices of ACME GmbH." },
    { role: "user", content: "Check invoice 2026-114." },
  ]);
  expect(first.config).toMatchObject({ model: "gpt-4o" });
  for (let i = 0; i < 3; i++) {
    const again = await fd.getPrompt(name, { label: "staging", key: "conversation-1", variables });
    expect(again).toMatchObject({ source: "revalidated", version: first.version });
  }
  // Many keys: both sides are served, each key keeps its own.
  const versions = new Set<number | null>();
  for (let i = 0; i < 24; i++) versions.add((await fd.getPrompt(name, { label: "staging", key: `conversation-${i}` })).version);
  expect(versions).toEqual(new Set([1, 2]));
  await expect(fd.getPrompt(name, { label: "no-such-label", fallback: "unused" })).rejects.toMatchObject({ name: "FlightdeckApiError", status: 404 });
  await fd.close();
});

test("reserveBudget holds budget under a hard cap, refuses beyond it with BudgetDeniedError, and release() gives it back", async ({ request, initApiKey, baseURL }) => {
  const agent = `e2e-sdk-capped-${hex(3)}`;
  await agentOf(request, initApiKey, agent, `e2e-sdk-cap-${hex(3)}`, 0.5);
  const created = await request.post("/api/v1/budgets", { headers: { Authorization: `Bearer ${initApiKey}` }, data: { scope: "agent", agent, monthlyLimitUsd: 2, hardCap: true } });
  expect(created.status(), await created.text()).toBe(201);

  const fd = sdk(baseURL, initApiKey, agent);
  const reservation = await fd.reserveBudget({ estimatedCostUsd: 1, ttlSeconds: 600 });
  expect(reservation.id).toMatch(/^res_[0-9a-f]{32}$/);
  expect(reservation.remainingUsd).toBeCloseTo(0.5, 6);
  expect(Date.parse(reservation.expiresAt)).toBeGreaterThan(Date.now());

  const denied = await fd.reserveBudget({ estimatedCostUsd: 1 }).catch((e: unknown) => e);
  expect(denied).toBeInstanceOf(BudgetDeniedError);
  expect((denied as BudgetDeniedError).remainingUsd).toBeCloseTo(0.5, 6);
  expect((denied as BudgetDeniedError).reason).toBeTruthy();

  await reservation.release();
  const again = await fd.reserveBudget({ estimatedCostUsd: 1 });
  expect(again.remainingUsd).toBeCloseTo(0.5, 6);
  await again.release();
  await fd.close();
});

test("a tool wrapped withClearance waits while compliance approves a lower amount in the browser, then runs with it", async ({ asCompliance: compliance, request, initApiKey, baseURL }) => {
  test.setTimeout(120_000);
  const team = `e2e-sdk-pay-${hex(3)}`;
  const agent = `e2e-sdk-payer-${hex(3)}`;
  await agentOf(request, initApiKey, agent, team);
  const policy = await request.post("/api/v1/policies", {
    headers: { Authorization: `Bearer ${initApiKey}` },
    data: { name: `SDK payments over 10k ${hex(2)}`, team, toolPattern: "erp.pay*", argument: "amount", threshold: 10_000, slaMinutes: 30 },
  });
  expect(policy.status(), await policy.text()).toBe(201);

  const fd = sdk(baseURL, initApiKey, agent);
  const paid: unknown[] = [];
  const payInvoice = fd.withClearance(
    {
      description: "Pay a supplier invoice",
      execute: async (input: { amount: number; currency: string; invoice: string }) => {
        paid.push(input);
        return { paid: input.amount };
      },
    },
    { name: "erp.pay_invoice", reason: (a) => `Supplier invoice ${String(a.invoice)} is due today`, confidence: 0.82, deadline: 90_000 },
  );

  await compliance.goto("/escalations");
  await expect(compliance.getByTestId("queue-live")).toHaveAttribute("data-live", "true");
  const result = payInvoice.execute({ amount: 12_500, currency: "EUR", invoice: "2026-114" });

  await expect(row(compliance, agent)).toBeVisible({ timeout: 15_000 });
  await row(compliance, agent).getByRole("link", { name: "erp.pay_invoice" }).click();
  await expect(compliance.getByRole("heading", { level: 1, name: `erp.pay_invoice for ${agent}` })).toBeVisible();
  await expect(compliance.getByText("“Supplier invoice 2026-114 is due today”")).toBeVisible();
  expect(paid).toEqual([]);

  const form = compliance.getByRole("form", { name: "Decide this escalation" });
  await form.getByLabel("Approve with changed arguments").check();
  await form.getByLabel("Arguments to approve (JSON)").fill(JSON.stringify({ amount: 9_000, currency: "EUR", invoice: "2026-114" }, null, 2));
  await form.getByLabel("Comment").fill("Pay 9,000 now; the rest after the credit note.");
  await form.getByRole("button", { name: "Approve with these arguments…" }).click();
  await compliance.getByRole("dialog").getByRole("button", { name: "Approve now" }).click();

  await expect(result).resolves.toEqual({ paid: 9_000 });
  expect(paid).toEqual([{ amount: 9_000, currency: "EUR", invoice: "2026-114" }]);
  await fd.close();
});

test("requireClearance gives up at the agent's deadline and cancels the request on the console", async ({ request, initApiKey, baseURL }) => {
  const team = `e2e-sdk-late-${hex(3)}`;
  const agent = `e2e-sdk-late-${hex(3)}`;
  await agentOf(request, initApiKey, agent, team);
  const policy = await request.post("/api/v1/policies", { headers: { Authorization: `Bearer ${initApiKey}` }, data: { name: `SDK deletes ${hex(2)}`, team, toolPattern: "crm.delete_*" } });
  expect(policy.status(), await policy.text()).toBe(201);
  const fd = sdk(baseURL, initApiKey, agent);
  const error = await fd.requireClearance({ tool: "crm.delete_contact", arguments: { id: 7 }, deadline: 3_000 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ClearanceTimeoutError);
  const timeout = error as ClearanceTimeoutError;
  expect(timeout.cancelled).toBe(true);
  const read = await request.get(`/api/v1/escalations/${timeout.escalationId}`, { headers: { Authorization: `Bearer ${initApiKey}` } });
  expect(((await read.json()) as { status: string }).status).toBe("cancelled");
  await fd.close();
});

test("a paused agent is stopped before its next call: by the status read, by a 423, and by the status watch", async ({ request, initApiKey, baseURL }) => {
  const agent = `e2e-sdk-paused-${hex(3)}`;
  await agentOf(request, initApiKey, agent, `e2e-sdk-kill-${hex(3)}`);
  const auth = { Authorization: `Bearer ${initApiKey}` };
  const name = `e2e-sdk-kill-${hex(3)}`;
  expect((await request.post(`/api/v1/prompts/${name}/versions`, { headers: auth, data: { template: "Triage {{ticket}}.", message: "v1" } })).status()).toBe(201);
  expect((await request.post(`/api/v1/prompts/${name}/labels`, { headers: auth, data: { label: "beta", version: 1 } })).status()).toBe(200);
  const setStatus = async (status: "active" | "paused", reason: string) => {
    const response = await request.post(`/api/v1/agents/${agent}/status`, { headers: auth, data: { status, reason } });
    expect(response.status(), await response.text()).toBe(200);
  };

  // A client that trusts its status for a minute: the server's 423 stops it, and the calls after it too.
  const trusting = sdk(baseURL, initApiKey, agent, { statusMaxAgeMs: 60_000 });
  await expect(trusting.getPrompt(name, { label: "beta" })).resolves.toMatchObject({ version: 1 });
  // A client that watches its status: pushed by the long-poll.
  const watching = sdk(baseURL, initApiKey, agent);
  const seen: string[] = [];
  watching.onStatusChange((s) => seen.push(s.status));
  watching.watchStatus();
  await expect.poll(() => seen).toEqual(["active"]);

  await setStatus("paused", "incident INC-42: payments double-booked");

  const locked = await trusting.requireClearance({ tool: "erp.pay_invoice", arguments: { amount: 1 } }).catch((e: unknown) => e);
  expect(locked).toBeInstanceOf(AgentStoppedError);
  expect(locked).toMatchObject({ agent, status: "paused" });
  expect((locked as AgentStoppedError).reason).toContain("incident INC-42");
  await expect(trusting.getPrompt(name, { label: "beta" })).rejects.toBeInstanceOf(AgentStoppedError);

  await expect.poll(() => seen).toEqual(["active", "paused"]);
  const pushed = await watching.reserveBudget({ estimatedCostUsd: 0.01 }).catch((e: unknown) => e);
  expect(pushed).toBeInstanceOf(AgentStoppedError);
  expect(pushed).toMatchObject({ status: "paused", reason: "incident INC-42: payments double-booked" });

  // A fresh client reads the status first.
  const fresh = sdk(baseURL, initApiKey, agent);
  await expect(fresh.agentStatus()).resolves.toMatchObject({ status: "paused", reason: "incident INC-42: payments double-booked" });
  await expect(fresh.getPrompt(name, { label: "beta", fallback: "x" })).rejects.toBeInstanceOf(AgentStoppedError);

  await setStatus("active", "incident closed");
  await expect.poll(() => seen).toEqual(["active", "paused", "active"]);
  await expect(watching.getPrompt(name, { label: "beta", variables: { ticket: "T-1" } })).resolves.toMatchObject({ compiled: "Triage T-1." });
  await Promise.all([trusting.close(), watching.close(), fresh.close()]);
});

test("with the console unreachable, getPrompt serves the fallback and clearance is never granted", async ({ initApiKey }) => {
  const fd = createFlightdeck({ baseUrl: "http://127.0.0.1:9", apiKey: initApiKey, agent: "e2e-sdk-offline", retries: 1, timeoutMs: 2_000 });
  const prompt = await fd.getPrompt("invoice-reconcile", { fallback: "Reconcile invoices of {{supplier}} (offline fallback).", variables: { supplier: "ACME" } });
  expect(prompt).toMatchObject({ source: "fallback", version: null, compiled: "Reconcile invoices of ACME (offline fallback)." });
  await expect(fd.getPrompt("invoice-reconcile")).rejects.toBeInstanceOf(FlightdeckNetworkError);
  await expect(fd.requireClearance({ tool: "erp.pay_invoice", arguments: { amount: 1 }, deadline: 2_000 })).rejects.toBeInstanceOf(FlightdeckNetworkError);
  await fd.close();
});

/** The example agent as `npm run example:agent` runs it, with its output collected line by line. */
function startExampleAgent(baseURL: string, apiKey: string, agent: string) {
  const root = path.resolve(__dirname, "..");
  const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "examples/invoice-agent/agent.ts"], {
    cwd: root,
    env: { ...process.env, FLIGHTDECK_URL: baseURL, FLIGHTDECK_API_KEY: apiKey, FLIGHTDECK_AGENT: agent },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of waiters.filter((w) => output.includes(w.text))) w.resolve();
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  /** Resolves once the output contains `text`; fails as soon as the agent exits without printing it. */
  const printed = (text: string) =>
    Promise.race([
      new Promise<void>((resolve) => (output.includes(text) ? resolve() : waiters.push({ text, resolve }))),
      exited.then((code) => {
        if (!output.includes(text)) throw new Error(`the example agent exited (${code}) before printing “${text}”:\n${output}`);
      }),
    ]);
  return { output: () => output, printed, exited, kill: () => child.kill("SIGTERM") };
}

test("the example agent waits for clearance, a compliance user approves a lower amount, and its run shows the clearance", async ({ asCompliance: compliance, request, initApiKey, baseURL }) => {
  test.setTimeout(180_000);
  const agent = `e2e-example-${hex(3)}`;
  // The agent is known to the console (with its team) from an earlier run, as the demo's invoice-reconciler is.
  await agentOf(request, initApiKey, agent, `e2e-example-team-${hex(3)}`);
  await compliance.goto("/escalations");
  await expect(compliance.getByTestId("queue-live")).toHaveAttribute("data-live", "true");
  const example = startExampleAgent(baseURL!, initApiKey, agent);
  try {
    await example.printed("Waiting for clearance");
    expect(example.output()).toMatch(/Prompt invoice-reconcile v\d+ \(network\)/);
    expect(example.output()).toContain("Budget reserved: res_");

    await expect(row(compliance, agent)).toBeVisible({ timeout: 15_000 });
    await row(compliance, agent).getByRole("link", { name: "erp.pay_invoice" }).click();
    await expect(compliance.getByText("“Invoice 2026-114 of ACME GmbH is due today”")).toBeVisible();
    const form = compliance.getByRole("form", { name: "Decide this escalation" });
    await form.getByLabel("Approve with changed arguments").check();
    await form.getByLabel("Arguments to approve (JSON)").fill(JSON.stringify({ invoice: "2026-114", supplier: "ACME GmbH", amount: 9_000, currency: "EUR" }, null, 2));
    await form.getByLabel("Comment").fill("Pay 9,000 now; the rest after the credit note.");
    await form.getByRole("button", { name: "Approve with these arguments…" }).click();
    await compliance.getByRole("dialog").getByRole("button", { name: "Approve now" }).click();

    expect(await example.exited, example.output()).toBe(0);
  } finally {
    example.kill();
  }
  const output = example.output();
  expect(output).toMatch(/runs with the approved arguments: \{.*"amount":9000.*\}/);
  expect(output).toContain("Model: Paid 9000 EUR on invoice 2026-114");
  const runUrl = /The run: (\S+\/runs\/(c[a-z0-9]+))/.exec(output);
  expect(runUrl, output).not.toBeNull();

  const run = (await (await request.get(`/api/v1/runs/${runUrl![2]}`, { headers: { Authorization: `Bearer ${initApiKey}` } })).json()) as {
    agent: string;
    totals: { costUsd: number };
    steps: { kind: string; promptName: string | null; promptVersion: number | null; arguments: Record<string, unknown> | null }[];
  };
  expect(run.agent).toBe(agent);
  expect(run.totals.costUsd).toBeGreaterThan(0);
  expect(run.steps.some((s) => s.promptName === "invoice-reconcile" && s.promptVersion !== null)).toBe(true);
  expect(run.steps.some((s) => s.arguments?.amount === 9_000)).toBe(true);

  await compliance.goto(`/runs/${runUrl![2]}`);
  const clearance = compliance.getByTestId("run-escalations");
  await expect(clearance).toContainText("erp.pay_invoice");
  await expect(clearance).toContainText("approved");
  await expect(clearance).toContainText("Pay 9,000 now; the rest after the credit note.");
  await expect(clearance).not.toContainText("executed differently");
});
