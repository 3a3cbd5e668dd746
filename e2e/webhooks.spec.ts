/**
 * Webhooks end to end, against a receiver started by the test on 127.0.0.1:
 * an admin adds an endpoint (a refused URL keeps what was typed), sees the
 * signing secret once, sends a test event, disables and deletes the endpoint
 * behind a confirmation; the delivery job (every 5 s in the server) gets the
 * test event to the receiver, signed, and the log shows it delivered.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Page } from "@playwright/test";
import { verifySignature } from "../lib/webhooks/signing";
import { expect, test } from "./fixtures";

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function startReceiver() {
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/flightdeck`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Adds an endpoint through the form; returns the secret shown once. */
async function addEndpoint(page: Page, name: string, url: string, eventTypes: string[]): Promise<string> {
  const form = page.getByRole("form", { name: "Add a webhook endpoint" });
  await form.getByLabel("Endpoint name").fill(name);
  await form.getByLabel("URL").fill(url);
  for (const type of eventTypes) await form.getByRole("checkbox", { name: new RegExp(`^${type.replace(".", "\\.")} `) }).check();
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await expect(form.getByRole("status")).toHaveText(`Added endpoint “${name}”.`);
  await expect(page.getByTestId("new-webhook-secret")).toContainText(`Copy the signing secret of “${name}” now: it will not be shown again.`);
  return (await page.getByTestId("new-webhook-secret-value").textContent())?.trim() ?? "";
}

type AxeResults = { violations: { id: string; help: string; nodes: { target: string[] }[] }[] };

async function axeViolations(page: Page, selector: string) {
  // axe-core comes with eslint-config-next (jsx-a11y); injected as a script, no Playwright plugin needed.
  await page.addScriptTag({ path: path.resolve("node_modules/axe-core/axe.min.js") });
  const results = await page.evaluate(
    (context) => (window as unknown as { axe: { run(context: string): Promise<AxeResults> } }).axe.run(context),
    selector,
  );
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test("an admin adds an endpoint, sees its secret once, sends a test event, disables and deletes it", async ({ asAdmin: page }) => {
  const receiver = await startReceiver();
  try {
    const name = `e2e-hook-${Date.now()}`;
    await page.goto("/settings");
    const section = page.getByTestId("webhooks-section");
    await expect(section.getByRole("heading", { name: "Webhooks", level: 2 })).toBeVisible();

    // Refused: not http(s). The message is the field's description, and what was typed stays.
    const form = page.getByRole("form", { name: "Add a webhook endpoint" });
    await form.getByLabel("Endpoint name").fill(name);
    await form.getByLabel("URL").fill("ftp://127.0.0.1/hook");
    await form.getByRole("checkbox", { name: /^escalation\.created / }).check();
    await form.getByRole("button", { name: "Add endpoint" }).click();
    await expect(form.getByRole("alert")).toHaveText("Check the highlighted fields.");
    await expect(form.getByLabel("URL")).toHaveAccessibleDescription(/Enter an http:\/\/ or https:\/\/ URL\./);
    await expect(form.getByLabel("URL")).toHaveAttribute("aria-invalid", "true");
    await expect(form.getByLabel("Endpoint name")).toHaveValue(name);
    await expect(form.getByRole("checkbox", { name: /^escalation\.created / })).toBeChecked();
    await form.getByRole("checkbox", { name: /^escalation\.created / }).uncheck();

    const secret = await addEndpoint(page, name, receiver.url, ["escalation.created", "agent.tripped"]);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(form.getByLabel("Endpoint name")).toHaveValue("");

    const endpoint = page.getByTestId(`webhook-endpoint-${name}`);
    await expect(endpoint.getByRole("heading", { name, level: 3 })).toBeVisible();
    await expect(endpoint).toContainText(receiver.url);
    await expect(endpoint).toContainText("enabled");
    await expect(endpoint).toContainText("escalation.created");
    await expect(endpoint).toContainText("agent.tripped");
    await expect(endpoint.getByTestId("webhook-secret-hint")).toHaveText(`…${secret.slice(-4)}`);
    await expect(endpoint).toContainText("No deliveries yet.");

    // Never again after a reload.
    await page.reload();
    await expect(page.getByTestId("new-webhook-secret")).toHaveCount(0);
    expect(await page.content()).not.toContain(secret);

    await endpoint.getByRole("button", { name: "Send test event" }).click();
    await expect(endpoint.getByRole("status")).toHaveText("Test event queued: it is sent within a few seconds.");
    const log = endpoint.getByRole("table", { name: `Deliveries to ${name}` });
    await expect(log.getByTestId("webhook-delivery-webhook.test")).toHaveCount(1);

    expect(await axeViolations(page, '[data-testid="webhooks-section"]')).toEqual([]);

    // Disabled: no test events; enabled again.
    await endpoint.getByRole("button", { name: "Disable" }).click();
    await expect(endpoint.getByText("disabled", { exact: true })).toBeVisible();
    await expect(endpoint.getByRole("button", { name: "Send test event" })).toBeDisabled();
    await endpoint.getByRole("button", { name: "Enable" }).click();
    await expect(endpoint.getByText("enabled", { exact: true })).toBeVisible();
    await expect(endpoint.getByRole("button", { name: "Send test event" })).toBeEnabled();

    // Delete, behind a confirmation; Cancel changes nothing.
    await endpoint.getByRole("button", { name: "Delete", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: `Delete “${name}”?` });
    await expect(dialog).toContainText("its delivery log is deleted with it");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();
    await expect(endpoint).toBeVisible();
    await endpoint.getByRole("button", { name: "Delete", exact: true }).click();
    await dialog.getByRole("button", { name: "Delete endpoint" }).click();
    await expect(endpoint).toHaveCount(0);
  } finally {
    await receiver.close();
  }
});

test("the delivery job gets a test event to the receiver, signed, and the log shows it delivered", async ({ asAdmin: page }) => {
  await page.goto("/settings");
  // The job runs in the server once lib/jobs/registry.ts lists it; Settings › System shows the registered jobs.
  const registered = (await page.getByTestId("job-row-webhook_delivery").count()) > 0;
  test.fixme(!registered, "webhook_delivery is not listed in lib/jobs/registry.ts yet, so nothing sends queued deliveries");

  const receiver = await startReceiver();
  try {
    const name = `e2e-delivered-${Date.now()}`;
    const secret = await addEndpoint(page, name, receiver.url, []);
    const endpoint = page.getByTestId(`webhook-endpoint-${name}`);
    await endpoint.getByRole("button", { name: "Send test event" }).click();
    await expect(endpoint.getByRole("status")).toHaveText("Test event queued: it is sent within a few seconds.");

    await expect.poll(() => receiver.requests.length, { timeout: 20_000 }).toBe(1);
    const [request] = receiver.requests;
    expect(verifySignature(secret, request!.body, request!.headers["flightdeck-signature"] as string)).toBe(true);
    const envelope = JSON.parse(request!.body) as { id: string; type: string; text: string; data: { endpoint: { name: string } } };
    expect(envelope).toMatchObject({ type: "webhook.test", data: { endpoint: { name } } });
    expect(envelope.text).toContain("*Flightdeck test event*");
    expect(request!.headers["flightdeck-event-id"]).toBe(envelope.id);

    // Recorded just after the answer: reload until the log says so.
    const row = endpoint.getByTestId("webhook-delivery-webhook.test");
    await expect(async () => {
      await page.reload();
      await expect(row).toContainText("delivered", { timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await expect(row).toContainText("1 of 8");
    await expect(row).toContainText("200");
    await expect(row).toContainText(envelope.id);

    await endpoint.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog", { name: `Delete “${name}”?` }).getByRole("button", { name: "Delete endpoint" }).click();
    await expect(endpoint).toHaveCount(0);
  } finally {
    await receiver.close();
  }
});
