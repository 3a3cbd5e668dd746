import type { ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentStoppedError, createFlightdeck, type AgentStatus, type Flightdeck } from "./index.js";
import { json, startFakeServer, type FakeRequest, type FakeServer } from "./test-support/fake-server.js";

const STATUS = "/api/v1/agents/payer/status";
const PROMPT = "/api/v1/prompts/triage";
const status = (s: AgentStatus["status"], reason: string | null = null) => ({ agent: "payer", status: s, reason, since: null, setBy: s === "active" ? null : "ops@example.com", breaker: null });

let server: FakeServer;
let fd: Flightdeck;
beforeEach(async () => {
  server = await startFakeServer();
  server.on("GET", PROMPT, (_req, res) => json(res, 200, { name: "triage", version: 1, label: "production", template: "t", config: {} }));
});
afterEach(async () => {
  await fd.close();
  await server.close();
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe("agent status", () => {
  it("is pushed by the background long-poll: a pause stops the next call before it is sent", async () => {
    let current = status("active");
    const held: { req: FakeRequest; res: ServerResponse }[] = [];
    const etag = () => `"${current.status}"`;
    server.on("GET", STATUS, (req, res) => {
      if (req.headers["if-none-match"] === etag() && req.query.get("waitSeconds")) return void held.push({ req, res });
      json(res, 200, current, { ETag: etag() });
    });
    fd = createFlightdeck({ baseUrl: server.url, apiKey: "k", agent: "payer", timeoutMs: 1_000 });
    const seen: string[] = [];
    fd.onStatusChange((s) => seen.push(s.status));
    fd.watchStatus();
    await until(() => held.length === 1);
    expect(held[0]!.req.query.get("waitSeconds")).toBe("55");
    expect(held[0]!.req.headers["if-none-match"]).toBe('"active"');
    await fd.getPrompt("triage");

    current = status("paused", "incident INC-7");
    for (const h of held.splice(0)) json(h.res, 200, current, { ETag: etag() });
    await until(() => seen.includes("paused"));
    expect(await fd.agentStatus()).toMatchObject({ status: "paused", reason: "incident INC-7" });
    const prompts = server.count("GET", PROMPT);
    const error = await fd.getPrompt("triage").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentStoppedError);
    expect(error).toMatchObject({ agent: "payer", status: "paused", reason: "incident INC-7" });
    expect(server.count("GET", PROMPT)).toBe(prompts);
    await expect(fd.reserveBudget({ estimatedCostUsd: 1 })).rejects.toBeInstanceOf(AgentStoppedError);
    await expect(fd.requireClearance({ tool: "t", arguments: {} })).rejects.toBeInstanceOf(AgentStoppedError);

    current = status("active");
    await until(() => held.length === 1);
    for (const h of held.splice(0)) json(h.res, 200, current, { ETag: etag() });
    await until(() => seen.at(-1) === "active");
    await expect(fd.getPrompt("triage")).resolves.toMatchObject({ version: 1 });
  });

  it("close() ends the long-poll at once", async () => {
    server.on("GET", STATUS, (req, res) => {
      if (!req.query.get("waitSeconds")) json(res, 200, status("active"), { ETag: '"a"' });
      // else: held forever
    });
    fd = createFlightdeck({ baseUrl: server.url, apiKey: "k", agent: "payer" });
    fd.watchStatus();
    await until(() => server.count("GET", STATUS) === 2);
    const started = Date.now();
    await fd.close();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("a 423 from any call throws AgentStoppedError and stops the calls after it without asking", async () => {
    server.on("GET", STATUS, (_req, res) => json(res, 200, status("active"), { ETag: '"a"' }));
    server.on("POST", "/api/v1/budgets/reservations", (_req, res) =>
      json(res, 423, { error: { code: "agent_tripped", message: "Agent payer is tripped (breaker loop-guard): 5 loops in 10 min." } }),
    );
    fd = createFlightdeck({ baseUrl: server.url, apiKey: "k", agent: "payer", statusMaxAgeMs: 60_000 });
    const error = await fd.reserveBudget({ estimatedCostUsd: 0.1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentStoppedError);
    expect(error).toMatchObject({ status: "tripped", reason: "Agent payer is tripped (breaker loop-guard): 5 loops in 10 min." });
    const before = server.requests.length;
    await expect(fd.getPrompt("triage")).rejects.toMatchObject({ name: "AgentStoppedError", status: "tripped" });
    expect(server.requests.length).toBe(before);
    expect((await fd.agentStatus()).status).toBe("tripped");
  });

  it("re-reads a status older than its max-age before a call (a 304 when unchanged), and lets an unknown agent through", async () => {
    server.on("GET", STATUS, (req, res) => (req.headers["if-none-match"] === '"a"' ? json(res, 304, undefined, { ETag: '"a"' }) : json(res, 200, status("active"), { ETag: '"a"' })));
    fd = createFlightdeck({ baseUrl: server.url, apiKey: "k", agent: "payer", statusMaxAgeMs: 0 });
    await fd.getPrompt("triage");
    await fd.getPrompt("triage");
    const reads = server.requests.filter((r) => r.path === STATUS);
    expect(reads.length).toBe(2);
    expect(reads[1]!.headers["if-none-match"]).toBe('"a"');

    server.on("GET", STATUS, (_req, res) => json(res, 404, { error: { code: "not_found:agent", message: "There is no agent named payer." } }));
    await fd.close();
    fd = createFlightdeck({ baseUrl: server.url, apiKey: "k", agent: "payer" });
    expect(await fd.agentStatus()).toMatchObject({ status: "active" });
    await expect(fd.getPrompt("triage")).resolves.toMatchObject({ version: 1 });
  });
});
