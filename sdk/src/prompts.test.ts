import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFlightdeck, type Flightdeck } from "./index.js";
import { compileTemplate } from "./prompts.js";
import { deadUrl, json, startFakeServer, type FakeServer } from "./test-support/fake-server.js";
import { recordingSpan, withSpan } from "./test-support/spans.js";

const PROMPT = /^\/api\/v1\/prompts\/invoice-reconcile$/;
const body = (version: number, template: unknown = "Reconcile invoices of {{supplier}} within {{ tolerance }} %.") => ({
  name: "invoice-reconcile",
  version,
  label: "production",
  template,
  config: { model: "gpt-4o" },
  message: "m",
  createdBy: "ops@example.com",
  createdAt: "2026-12-01T00:00:00.000Z",
});

let server: FakeServer;
let clients: Flightdeck[] = [];
const client = (options: Partial<Parameters<typeof createFlightdeck>[0]> = {}) => {
  const fd = createFlightdeck({ baseUrl: server.url, apiKey: "fd_test", agent: "invoice-bot", retries: 1, timeoutMs: 1_000, ...options });
  clients.push(fd);
  return fd;
};

beforeEach(async () => {
  server = await startFakeServer();
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
  await server.close();
});

describe("getPrompt", () => {
  it("compiles the served version, sends label, key and agent, and tags the current span", async () => {
    server.on("GET", PROMPT, (_req, res) => json(res, 200, body(4), { ETag: '"v4"' }));
    const span = recordingSpan();
    const prompt = await withSpan(span, () => client().getPrompt("invoice-reconcile", { key: "conversation-7", variables: { supplier: "ACME", tolerance: 2 } }));
    expect(prompt).toMatchObject({ version: 4, source: "network", compiled: "Reconcile invoices of ACME within 2 %.", missingVariables: [] });
    const sent = server.requests.find((r) => PROMPT.test(r.path))!;
    expect(Object.fromEntries(sent.query)).toEqual({ label: "production", key: "conversation-7", agent: "invoice-bot" });
    expect(sent.headers.authorization).toBe("Bearer fd_test");
    expect(span.attributes).toMatchObject({ "flightdeck.prompt.name": "invoice-reconcile", "flightdeck.prompt.version": 4, "gen_ai.agent.name": "invoice-bot" });
  });

  it("reuses an answer within the freshness window, then revalidates with If-None-Match (304)", async () => {
    server.on("GET", PROMPT, (req, res) => (req.headers["if-none-match"] === '"v4"' ? json(res, 304, undefined, { ETag: '"v4"' }) : json(res, 200, body(4), { ETag: '"v4"' })));
    const fd = client({ promptFreshnessMs: 150 });
    expect((await fd.getPrompt("invoice-reconcile")).source).toBe("network");
    expect((await fd.getPrompt("invoice-reconcile")).source).toBe("cache");
    expect(server.count("GET", PROMPT)).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    const again = await fd.getPrompt("invoice-reconcile", { variables: { supplier: "Globex" } });
    expect(again).toMatchObject({ source: "revalidated", version: 4 });
    expect(again.compiled).toBe("Reconcile invoices of Globex within {{ tolerance }} %.");
    expect(again.missingVariables).toEqual(["tolerance"]);
    const last = server.requests.filter((r) => PROMPT.test(r.path)).at(-1)!;
    expect(last.headers["if-none-match"]).toBe('"v4"');
  });

  it("caches each canary key on its own: a sticky key is never served another key's side", async () => {
    server.on("GET", PROMPT, (req, res) => {
      const canary = req.query.get("key") === "b";
      json(res, 200, { ...body(canary ? 5 : 4), split: { arm: canary ? "canary" : "control", weight: 50, controlVersion: 4, canaryVersion: 5 } }, { ETag: canary ? '"v5"' : '"v4"' });
    });
    const fd = client();
    expect(await fd.getPrompt("invoice-reconcile", { key: "a" })).toMatchObject({ version: 4, arm: "control" });
    expect(await fd.getPrompt("invoice-reconcile", { key: "b" })).toMatchObject({ version: 5, arm: "canary" });
    expect(await fd.getPrompt("invoice-reconcile", { key: "a" })).toMatchObject({ version: 4, source: "cache" });
  });

  it("serves the last answer while the console is down (stale-while-error)", async () => {
    let up = true;
    server.on("GET", PROMPT, (_req, res) => (up ? json(res, 200, body(4), { ETag: '"v4"' }) : json(res, 503, { error: { code: "unavailable", message: "db down" } })));
    const fd = client({ promptFreshnessMs: 0 });
    await fd.getPrompt("invoice-reconcile");
    up = false;
    const stale = await fd.getPrompt("invoice-reconcile", { variables: { supplier: "ACME", tolerance: 1 } });
    expect(stale).toMatchObject({ source: "stale", version: 4, compiled: "Reconcile invoices of ACME within 1 %." });
    expect(server.count("GET", PROMPT)).toBe(3); // one fetch, then one try and one retry
  });

  it("with a stale answer at hand, a hanging console costs two short attempts, not the whole retry budget", async () => {
    let up = true;
    server.on("GET", PROMPT, (_req, res) => {
      if (up) json(res, 200, body(4), { ETag: '"v4"' });
      // else: never answers
    });
    const fd = client({ promptFreshnessMs: 0, retries: 3, timeoutMs: 800 });
    await fd.getPrompt("invoice-reconcile");
    up = false;
    await expect(fd.getPrompt("invoice-reconcile")).resolves.toMatchObject({ source: "stale", version: 4 });
    expect(server.count("GET", PROMPT)).toBe(3);
  });

  it("serves the configured fallback when the console is unreachable and nothing was fetched", async () => {
    const fd = createFlightdeck({ baseUrl: await deadUrl(), apiKey: "k", agent: "invoice-bot", retries: 1, timeoutMs: 500 });
    clients.push(fd);
    const span = recordingSpan();
    const prompt = await withSpan(span, () => fd.getPrompt("invoice-reconcile", { fallback: [{ role: "system", content: "Reconcile {{supplier}}." }], variables: { supplier: "ACME" } }));
    expect(prompt).toMatchObject({ source: "fallback", version: null, compiled: [{ role: "system", content: "Reconcile ACME." }] });
    expect(span.attributes["flightdeck.prompt.version"]).toBeUndefined();
    await expect(fd.getPrompt("invoice-reconcile")).rejects.toMatchObject({ name: "FlightdeckNetworkError" });
  });

  it("does not hide a refusal behind the cache: a 404 is thrown as FlightdeckApiError", async () => {
    server.on("GET", /^\/api\/v1\/prompts\/missing$/, (_req, res) => json(res, 404, { error: { code: "not_found:prompt", message: "There is no prompt named “missing”." } }));
    await expect(client().getPrompt("missing", { fallback: "x" })).rejects.toMatchObject({ name: "FlightdeckApiError", status: 404, code: "not_found:prompt" });
  });

  it("strict compilation throws PromptVariablesError naming what is missing", async () => {
    server.on("GET", PROMPT, (_req, res) => json(res, 200, body(4)));
    await expect(client().getPrompt("invoice-reconcile", { strict: true, variables: { supplier: "x" } })).rejects.toMatchObject({ name: "PromptVariablesError", missing: ["tolerance"] });
  });
});

describe("compileTemplate", () => {
  it("fills every occurrence, keeps unknown placeholders and leaves other braces alone", () => {
    expect(compileTemplate("{{a}} {{ a }} {{b.c}} {{ 1x }} {x}", { a: 1, "b.c": true })).toEqual({ compiled: "1 1 true {{ 1x }} {x}", missing: [] });
    expect(compileTemplate([{ role: "user", content: "{{q}}" }], {})).toEqual({ compiled: [{ role: "user", content: "{{q}}" }], missing: ["q"] });
  });
});
