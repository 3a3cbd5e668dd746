/**
 * The agent listener (AGENT_PORT) over real HTTP against the real database:
 * it answers the budget check and reservations exactly as the console's port
 * does (the same route modules: key and scope checks, the 423 gate, 404 for
 * an unknown agent, 400 for a bad estimate, 201/409 for reservations, release),
 * and nothing else: other paths 404, other methods 405, oversized bodies 413,
 * all in the API's JSON error shape. A failing handler is a 500, not a crash.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { db } from "@/lib/db";
import { handleAgentRoute } from "./agent-routes";
import { serveRoutes } from "./route-server";

const suffix = randomBytes(3).toString("hex");
const keys = { check: generateApiKey(), ingest: generateApiKey() };
const agent = `listener-agent-${suffix}`;
const paused = `listener-paused-${suffix}`;
let server: Server;
let base: string;

const call = (path: string, init: RequestInit & { key?: string } = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { ...(init.key ? { Authorization: `Bearer ${init.key}` } : {}), "Content-Type": "application/json", ...init.headers } });

beforeAll(async () => {
  await db.apiKey.createMany({
    data: [
      { name: `listener check ${suffix}`, prefix: keys.check.slice(0, 9), hash: hashApiKey(keys.check), scopes: ["budgets:check"] },
      { name: `listener ingest ${suffix}`, prefix: keys.ingest.slice(0, 9), hash: hashApiKey(keys.ingest), scopes: ["ingest"] },
    ],
  });
  const team = await db.team.create({ data: { name: `listener-team-${suffix}` } });
  await db.agent.create({ data: { name: agent, teamId: team.id } });
  await db.agent.create({ data: { name: paused, teamId: team.id, status: "PAUSED", statusReason: "maintenance", statusChangedAt: new Date(), statusSetBy: "ops@example.com" } });
  await db.budget.create({ data: { scope: "AGENT", agentId: (await db.agent.findUniqueOrThrow({ where: { name: agent } })).id, name: `listener cap ${suffix}`, monthlyLimitUsd: 1, alertThresholds: [50, 80, 100], hardCap: true } });
  server = serveRoutes(handleAgentRoute, { port: 0, host: "127.0.0.1", maxBodyBytes: 64 * 1024 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("the agent listener", () => {
  it("answers the budget check as the console's port does", async () => {
    const ok = await call(`/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=0.25`, { key: keys.check });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ allowed: true, remainingUsd: 1, budgets: [{ scope: "agent", agent, hardCap: true }] });
    expect((await call(`/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=2`, { key: keys.check }).then((r) => r.json())).allowed).toBe(false);
  });

  it("refuses what the console's port refuses: no key, a key without the scope, an unknown agent, a bad estimate, a paused agent", async () => {
    const none = await call(`/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=1`);
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toMatch(/^unauthorized/);
    expect((await call(`/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=1`, { key: keys.ingest })).status).toBe(403);
    expect((await call(`/api/v1/budgets/check?agent=nobody-${suffix}&estimatedCostUsd=1`, { key: keys.check })).status).toBe(404);
    for (const estimate of ["-1", "abc", ""]) {
      const bad = await call(`/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=${estimate}`, { key: keys.check });
      expect(bad.status, estimate).toBe(400);
    }
    const locked = await call("/api/v1/budgets/reservations", { method: "POST", key: keys.check, body: JSON.stringify({ agent: paused, estimatedCostUsd: 0.1 }) });
    expect(locked.status).toBe(423);
    expect((await locked.json()).error.code).toBe("agent_paused");
  });

  it("reserves against the hard cap (201, then 409), and gives a reservation back", async () => {
    const granted = await call("/api/v1/budgets/reservations", { method: "POST", key: keys.check, body: JSON.stringify({ agent, estimatedCostUsd: 0.75, ttlSeconds: 60 }) });
    expect(granted.status).toBe(201);
    const { id } = (await granted.json()) as { id: string };
    const refused = await call("/api/v1/budgets/reservations", { method: "POST", key: keys.check, body: JSON.stringify({ agent, estimatedCostUsd: 0.5 }) });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ allowed: false, remainingUsd: 0.25 });
    expect((await call(`/api/v1/budgets/reservations/${id}`, { method: "DELETE", key: keys.check })).status).toBe(204);
    expect((await call("/api/v1/budgets/reservations", { method: "POST", key: keys.check, body: JSON.stringify({ agent, estimatedCostUsd: 0.5 }) })).status).toBe(201);
  });

  it("serves nothing else: other paths 404, other methods 405, an oversized body 413, malformed JSON 400", async () => {
    const other = await call("/api/v1/runs", { key: keys.check });
    expect(other.status).toBe(404);
    expect((await other.json()).error.code).toBe("not_found:route");
    const wrong = await call("/api/v1/budgets/check", { method: "DELETE", key: keys.check });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("GET");
    const big = await call("/api/v1/budgets/reservations", { method: "POST", key: keys.check, body: JSON.stringify({ agent, estimatedCostUsd: 0.1, traceId: "x".repeat(100_000) }) });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toMatch(/^payload_too_large/);
    const malformed = await call("/api/v1/budgets/reservations", { method: "POST", key: keys.check, body: "{ not json" });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toMatch(/^bad_request/);
  });

  it("keeps serving while requests arrive at once", async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => call(`/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=0.01`, { key: keys.check }).then((r) => r.status)));
    expect(answers).toEqual(Array(40).fill(200));
  });
});
