/**
 * Change control, as people use it: an ops lead publishes version 3 and
 * proposes it for production; the same ops lead cannot approve it; a
 * compliance user sees the diff and approves; the prompt API serves version 3;
 * the ops lead rolls back; the API serves version 2 at once; the audit log
 * shows each step. Then an agent configuration goes the same way.
 */
import { randomBytes } from "node:crypto";
import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./fixtures";

async function servedVersion(request: APIRequestContext, key: string, name: string): Promise<number> {
  const response = await request.get(`/api/v1/prompts/${name}?label=production`, { headers: { Authorization: `Bearer ${key}` } });
  expect(response.status()).toBe(200);
  expect(response.headers()["cache-control"]).toBe("private, max-age=0");
  const body = (await response.json()) as { version: number };
  expect(response.headers()["x-flightdeck-prompt-version"]).toBe(String(body.version));
  return body.version;
}

test("a prompt change goes from proposal through four eyes to production, and rolls back at once", async ({ asOps: ops, asCompliance: compliance, request, initApiKey }) => {
  const name = `e2e-cc-${randomBytes(3).toString("hex")}`;
  const auth = { Authorization: `Bearer ${initApiKey}` };
  for (const [i, template] of ["Route the ticket.", "Route the ticket to billing, shipping or technical."].entries()) {
    const created = await request.post(`/api/v1/prompts/${name}/versions`, { headers: auth, data: { template, config: { model: "gpt-4o" }, message: `v${i + 1}` } });
    expect(created.status()).toBe(201);
  }
  // Even an all-scope key only proposes a move of the protected production label.
  const proposed = await request.post(`/api/v1/prompts/${name}/labels`, { headers: auth, data: { label: "production", version: 2, reason: "first release" } });
  expect(proposed.status()).toBe(202);
  const first = (await proposed.json()) as { change: { id: string; url: string } };
  expect((await request.get(`/api/v1/prompts/${name}?label=production`, { headers: auth })).status()).toBe(404);
  await compliance.goto(first.change.url);
  const firstDecision = compliance.getByRole("form", { name: "Decide this change" });
  await firstDecision.getByLabel("Comment").fill("Initial release reviewed.");
  await firstDecision.getByRole("button", { name: "Approve and apply" }).click();
  await expect(compliance.getByRole("status").filter({ hasText: "Approved and applied" })).toBeVisible();
  expect(await servedVersion(request, initApiKey, name)).toBe(2);

  // The ops lead publishes version 3 and proposes it for production.
  await ops.goto(`/prompts/${name}`);
  const publish = ops.getByRole("form", { name: "New prompt version" });
  await publish.getByLabel("Template").fill("Route the ticket to billing, shipping, technical or account.\nDetect the language first.");
  await publish.getByLabel("Message").fill("Add the account queue");
  await publish.getByRole("button", { name: "Publish version" }).click();
  await expect(publish.getByRole("status")).toContainText(`Published ${name} version 3.`);
  await ops.reload();
  const move = ops.getByRole("form", { name: "Move a label" });
  await move.getByLabel("Label", { exact: true }).fill("production");
  await expect(move.getByText("Protected: this proposes a change")).toBeVisible();
  await move.getByLabel("Version", { exact: true }).selectOption("3");
  // Refused first: no reason given (the browser's check is bypassed to reach the server's).
  await move.evaluate((form: HTMLFormElement) => (form.noValidate = true));
  await move.getByRole("button", { name: "Propose move" }).click();
  await expect(move.getByLabel("Reason")).toHaveAttribute("aria-invalid", "true");
  await move.getByLabel("Reason").fill("Account questions were misrouted to billing.");
  await move.getByRole("button", { name: "Propose move" }).click();
  await expect(move.getByRole("status")).toContainText("It waits for another person's approval");
  expect(await servedVersion(request, initApiKey, name)).toBe(2);

  // The ops lead cannot approve it.
  await move.getByRole("link", { name: "Open the change" }).click();
  await expect(ops).toHaveURL(/\/changes\/c[a-z0-9]+$/);
  await expect(ops.getByRole("heading", { level: 1 })).toContainText(`${name} · production: v2 → v3`);
  await expect(ops.getByText("Compliance or an admin decides this change.")).toBeVisible();
  await expect(ops.getByRole("button", { name: "Approve and apply" })).toHaveCount(0);
  const changeUrl = ops.url();

  // Compliance finds it waiting, reads the diff and approves.
  await compliance.goto("/changes");
  const waiting = compliance.getByRole("table", { name: "Changes waiting for your approval" });
  await waiting.getByRole("link", { name: `${name} · production: v2 → v3` }).click();
  const diff = compliance.getByRole("region", { name: "Diff v2 → v3" });
  await expect(diff).toContainText("Detect the language first.");
  const decision = compliance.getByRole("form", { name: "Decide this change" });
  await decision.getByLabel("Comment").fill("Diff reviewed: only routing wording.");
  await decision.getByRole("button", { name: "Approve and apply" }).click();
  await expect(compliance.getByRole("status").filter({ hasText: "Approved and applied" })).toBeVisible();
  expect(await servedVersion(request, initApiKey, name)).toBe(3);

  // The ops lead rolls back: production serves version 2 on the very next request.
  await ops.goto(changeUrl);
  const rollback = ops.getByRole("form", { name: "Roll back this change" });
  await rollback.getByLabel("Reason for the rollback").fill("Misroutes rose after the move.");
  await rollback.getByRole("button", { name: "Roll back", exact: true }).click();
  await ops.getByRole("dialog", { name: "Roll back this change?" }).getByRole("button", { name: "Roll back now" }).click();
  await expect(ops.getByRole("status").filter({ hasText: "Rolled back: the previous state is restored" })).toBeVisible();
  await expect(ops.getByRole("heading", { level: 1 })).toContainText("Roll back:");
  expect(await servedVersion(request, initApiKey, name)).toBe(2);

  // The prompt's label history and the audit log show each step.
  await ops.goto(`/prompts/${name}`);
  const history = ops.getByRole("table", { name: "Label history" });
  await expect(history.getByRole("row")).toHaveCount(4); // header + three moves
  await expect(history.getByRole("row").nth(1)).toContainText("rollback");
  await compliance.goto(`/audit?targetType=change`);
  for (const action of ["change.propose", "change.approve", "change.rollback"]) await expect(compliance.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
  await compliance.goto(changeUrl);
  const trail = compliance.getByRole("list", { name: "Trail" });
  await expect(trail).toContainText("proposed");
  await expect(trail).toContainText("approved");
  await expect(compliance.getByText("Rolled back by")).toBeVisible();
});

test("an agent configuration is proposed as a new version and applies only when someone else approves", async ({ asOps: ops, asCompliance: compliance }) => {
  await ops.goto("/agents");
  await ops.getByTestId("agent-row-ticket-router").getByRole("link", { name: "ticket-router" }).click();
  const form = ops.getByRole("form", { name: "Propose a configuration" });
  await form.getByLabel("Authority limits (JSON)").fill("{ not json");
  await form.getByLabel("Reason").fill("Let it refund small amounts");
  await form.getByRole("button", { name: "Propose configuration" }).click();
  await expect(form.getByText("Authority limits are a JSON object")).toBeVisible();
  await expect(form.getByLabel("Reason")).toHaveValue("Let it refund small amounts");
  await form.getByLabel("Authority limits (JSON)").fill('{ "maxRefundUsd": 50 }');
  await form.getByRole("button", { name: "Propose configuration" }).click();
  await expect(form.getByRole("status")).toContainText("waits for another person's approval");
  await form.getByRole("link", { name: "Open the change" }).click();
  await expect(ops).toHaveURL(/\/changes\/c[a-z0-9]+$/);
  await expect(ops.getByRole("heading", { level: 1 })).toContainText("ticket-router: configuration v1 → configuration v2");
  const url = ops.url();

  await compliance.goto(url);
  await expect(compliance.getByText("maxRefundUsd").first()).toBeVisible();
  const decision = compliance.getByRole("form", { name: "Decide this change" });
  await decision.getByLabel("Comment").fill("Small refunds are fine.");
  await decision.getByRole("button", { name: "Approve and apply" }).click();
  await expect(compliance.getByRole("status").filter({ hasText: "Approved and applied" })).toBeVisible();
  await compliance.goto("/agents/ticket-router");
  await expect(compliance.getByRole("heading", { name: /Current configuration: v2/ })).toBeVisible();
  await expect(compliance.getByText("maxRefundUsd 50").first()).toBeVisible();
});

test("an ops lead starts a canary on an unprotected label; the API splits callers by key and the page compares the arms", async ({ asOps: ops, request, initApiKey }) => {
  const name = `e2e-canary-${randomBytes(3).toString("hex")}`;
  const auth = { Authorization: `Bearer ${initApiKey}` };
  for (const template of ["Answer briefly.", "Answer briefly and cite the order number."]) {
    expect((await request.post(`/api/v1/prompts/${name}/versions`, { headers: auth, data: { template, message: template } })).status()).toBe(201);
  }
  await ops.goto(`/prompts/${name}`);
  const move = ops.getByRole("form", { name: "Move a label" });
  await move.getByLabel("Label", { exact: true }).fill("beta");
  await expect(move.getByText("Not protected: the move applies at once.")).toBeVisible();
  await move.getByLabel("Version", { exact: true }).selectOption("1");
  await move.getByRole("checkbox", { name: /Split traffic with a canary/ }).check();
  await move.getByLabel("Canary version", { exact: true }).selectOption("2");
  await move.getByLabel("Canary share (%)", { exact: true }).fill("30");
  await move.getByLabel("Reason").fill("Does citing the order number resolve more tickets?");
  await move.getByRole("button", { name: "Move label" }).click();
  await expect(move.getByRole("status")).toContainText("Moved:");
  await ops.reload();
  await expect(ops.getByTestId("label-beta")).toContainText("v1 + 30 % on v2");
  await expect(ops.getByTestId("ab-comparison-beta")).toContainText("v1 (control, 70 % of callers) against v2 (canary, 30 %)");

  const seen = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const response = await request.get(`/api/v1/prompts/${name}?label=beta&key=conversation-${i}`, { headers: auth });
    const body = (await response.json()) as { version: number; split: { arm: string } };
    expect(response.headers()["x-flightdeck-prompt-arm"]).toBe(body.split.arm);
    seen.set(`conversation-${i}`, body.version);
  }
  expect(new Set(seen.values())).toEqual(new Set([1, 2]));
  for (const [key, version] of [...seen].slice(0, 10)) {
    const again = (await (await request.get(`/api/v1/prompts/${name}?label=beta&key=${key}`, { headers: auth })).json()) as { version: number };
    expect(again.version).toBe(version);
  }
});
