import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BudgetDeniedError, createFlightdeck, FlightdeckApiError, FlightdeckNetworkError, type Flightdeck } from "./index.js";
import { json, startFakeServer, type FakeServer } from "./test-support/fake-server.js";

const PROMPT = "/api/v1/prompts/triage";
const RESERVE = "/api/v1/budgets/reservations";
let server: FakeServer;
let fd: Flightdeck;
beforeEach(async () => {
  server = await startFakeServer();
  fd = createFlightdeck({ baseUrl: `${server.url}/`, apiKey: "k", agent: "payer", retries: 2, timeoutMs: 300 });
});
afterEach(async () => {
  await fd.close();
  await server.close();
});

describe("requests", () => {
  it("retries a GET after 5xx, 429 and dropped connections with backoff, then answers", async () => {
    let n = 0;
    server.on("GET", PROMPT, (_req, res) => {
      n++;
      if (n === 1) return json(res, 503, { error: { code: "unavailable", message: "x" } });
      if (n === 2) return json(res, 429, { error: { code: "rate_limited", message: "slow down" } }, { "Retry-After": "0" });
      json(res, 200, { name: "triage", version: 2, label: "production", template: "t", config: {} });
    });
    await expect(fd.getPrompt("triage")).resolves.toMatchObject({ version: 2 });
    expect(n).toBe(3);
  });

  it("times out each attempt and gives up after the retries with FlightdeckNetworkError", async () => {
    server.on("GET", PROMPT, () => {
      // never answers
    });
    const started = Date.now();
    const error = await fd.getPrompt("triage").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlightdeckNetworkError);
    expect(error).toMatchObject({ timedOut: true });
    expect(server.count("GET", PROMPT)).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("surfaces API errors as FlightdeckApiError with status, code and message, without retrying a 4xx", async () => {
    server.on("GET", PROMPT, (_req, res) => json(res, 403, { error: { code: "forbidden:scope", message: "This key lacks prompts:read." } }));
    const error = await fd.getPrompt("triage").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlightdeckApiError);
    expect(error).toMatchObject({ status: 403, code: "forbidden:scope", message: "This key lacks prompts:read." });
    expect(server.count("GET", PROMPT)).toBe(1);
  });
});

describe("reserveBudget", () => {
  it("reserves with the agent's name and an Idempotency-Key that stays the same on a retry; release() gives it back", async () => {
    let n = 0;
    server.on("POST", RESERVE, (_req, res) =>
      ++n === 1 ? json(res, 502, {}) : json(res, 201, { id: "res_0123456789abcdef0123456789abcdef", allowed: true, remainingUsd: 4.5, expiresAt: "2026-12-01T12:10:00.000Z", budgets: [] }),
    );
    server.on("DELETE", /^\/api\/v1\/budgets\/reservations\/res_/, (_req, res) => json(res, 204, undefined));
    const reservation = await fd.reserveBudget({ estimatedCostUsd: 0.5, ttlSeconds: 600 });
    expect(reservation).toMatchObject({ id: "res_0123456789abcdef0123456789abcdef", remainingUsd: 4.5, expiresAt: "2026-12-01T12:10:00.000Z" });
    const posts = server.requests.filter((r) => r.path === RESERVE);
    expect(posts.map((p) => p.body)).toEqual([
      { agent: "payer", estimatedCostUsd: 0.5, ttlSeconds: 600 },
      { agent: "payer", estimatedCostUsd: 0.5, ttlSeconds: 600 },
    ]);
    expect(posts[0]!.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[1]!.headers["idempotency-key"]).toBe(posts[0]!.headers["idempotency-key"]);
    await reservation.release();
    expect(server.count("DELETE", /reservations\/res_/)).toBe(1);
  });

  it("throws BudgetDeniedError with the reason and what remains on 409", async () => {
    server.on("POST", RESERVE, (_req, res) => json(res, 409, { allowed: false, reason: "The agent's hard cap of $2.00 would be exceeded.", remainingUsd: 0.5, budgets: [{ scope: "agent" }] }));
    const error = await fd.reserveBudget({ estimatedCostUsd: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetDeniedError);
    expect(error).toMatchObject({ reason: "The agent's hard cap of $2.00 would be exceeded.", remainingUsd: 0.5, budgets: [{ scope: "agent" }] });
  });
});
