/**
 * Budgets against the real database: setting them through change control
 * (lowering applies, raising waits for a second person), the reservation race
 * (exactly as many grants as the cap allows), settlement by ingestion,
 * expiry, the read-only check, alerts recorded once and sent to a receiver,
 * anomalies, every route's scopes and hostile input.
 */
import "@/lib/changes/appliers";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { NextRequest } from "next/server";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listRoute, POST as createRoute } from "@/app/api/v1/budgets/route";
import { DELETE as deleteRoute, GET as getRoute, PATCH as patchRoute } from "@/app/api/v1/budgets/[id]/route";
import { GET as checkRoute } from "@/app/api/v1/budgets/check/route";
import { POST as reserveRoute } from "@/app/api/v1/budgets/reservations/route";
import { DELETE as releaseRoute } from "@/app/api/v1/budgets/reservations/[id]/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { approveChange } from "@/lib/changes/commands";
import { execute } from "@/lib/commands";
import { db, readQuery } from "@/lib/db";
import { ready } from "@/lib/db/notifications";
import type { Role } from "@/lib/rbac";
import { ingestBatch } from "@/lib/telemetry/pipeline";
import { createUser } from "@/lib/users/commands";
import { deliverDueWebhooks } from "@/lib/webhooks/delivery";
import { createWebhookEndpoint } from "@/lib/webhooks/commands";
import { createWebhookEndpointSchema } from "@/lib/webhooks/schemas";
import { appErrorOf } from "@/tests/support/app-error";
import { captureStatements } from "@/tests/support/statements";
import { stepDraft } from "@/tests/factories/step-draft";
import { randomTraceId, randomSpanId } from "@/tests/factories/otlp";
import { recordBudgetAlerts } from "./alerts";
import { anomalyOf, detectAnomalies } from "./anomalies";
import { setBudget } from "./commands";
import { foldOnSettlement, foldSettledReservations, purgeReservations, RESERVATIONS_CHANNEL } from "./reserved-totals";
import { checkBudget, reserveBudget } from "./reservations";

const suffix = randomBytes(3).toString("hex");
const unique = (base: string) => `${base}-${suffix}-${randomBytes(2).toString("hex")}`;
const keys = { admin: generateApiKey(), check: generateApiKey(), ingest: generateApiKey() };
const people: Record<string, Actor> = {};
const ingestActor: Actor = { ...SYSTEM_ACTOR, label: "budget tests" };

async function person(role: Role, tag: string): Promise<Actor> {
  const user = await createUser(SYSTEM_ACTOR, { email: `${tag}-${suffix}@example.com`, name: tag, role, password: "correct horse battery" });
  return { type: "USER", id: user.id, label: user.email };
}

beforeAll(async () => {
  people.finance = await person("FINANCE", "finance");
  people.finance2 = await person("FINANCE", "finance2");
  people.compliance = await person("COMPLIANCE", "compliance");
  people.ops = await person("OPS_LEAD", "ops");
  people.viewer = await person("VIEWER", "viewer");
  people.admin = await person("ADMIN", "admin");
  await db.apiKey.createMany({
    data: [
      { name: `admin ${suffix}`, prefix: keys.admin.slice(0, 9), hash: hashApiKey(keys.admin), scopes: ["admin"], createdById: people.finance.id! },
      { name: `check ${suffix}`, prefix: keys.check.slice(0, 9), hash: hashApiKey(keys.check), scopes: ["budgets:check"] },
      { name: `ingest ${suffix}`, prefix: keys.ingest.slice(0, 9), hash: hashApiKey(keys.ingest), scopes: ["ingest"] },
    ],
  });
});

/** An agent (and its team) that exist, through ingestion of one unpriced-free step. */
async function agentInTeam(): Promise<{ agent: string; team: string }> {
  const agent = unique("agent");
  const team = unique("team");
  await spend(agent, team, 0);
  return { agent, team };
}

/** Ingests one LLM call costing `usd` for the agent (and team), at `at`, in `traceId`. */
async function spend(agent: string, team: string, usd: number, { traceId = randomTraceId(), at = new Date() } = {}) {
  await ingestBatch(ingestActor, {
    source: "native",
    steps: [
      stepDraft({
        traceId,
        spanId: randomSpanId(),
        kind: "LLM_CALL",
        name: "chat",
        model: "budget-test-model",
        startedAt: at,
        endedAt: at,
        inputTokens: 10,
        outputTokens: 10,
        carriedCostUsd: usd,
        agentName: agent,
        teamName: team,
      }),
    ],
  });
  return traceId;
}

const request = (method: string, path: string, key: string | null, body?: unknown) =>
  new NextRequest(`http://localhost${path}`, {
    method,
    headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
const noParams = { params: Promise.resolve({}) };
const idParams = (id: string) => ({ params: Promise.resolve({ id }) });

async function createBudget(body: Record<string, unknown>, key = keys.admin) {
  const response = await createRoute(request("POST", "/api/v1/budgets", key, body), noParams);
  return { status: response.status, body: await response.json() };
}

async function patchBudget(id: string, body: unknown, key = keys.admin) {
  const response = await patchRoute(request("PATCH", `/api/v1/budgets/${id}`, key, body), idParams(id));
  return { status: response.status, body: await response.json() };
}

async function reserve(body: unknown, key = keys.check, headers: Record<string, string> = {}) {
  const req = request("POST", "/api/v1/budgets/reservations", key, body);
  for (const [name, value] of Object.entries(headers)) req.headers.set(name, value);
  const response = await reserveRoute(req, noParams);
  return { status: response.status, body: await response.json(), replayed: response.headers.get("idempotent-replayed") };
}

/**
 * The reserved totals equal what they summarise: per scope, target, width, bucket and shard, the estimates of the
 * reservations still in them (per-second rows only for the last minute on: older ones are purged). Returns
 * the rows that differ (none).
 */
async function totalsDrift(): Promise<unknown[]> {
  return db.$queryRaw<unknown[]>`
    WITH expected AS (
      SELECT k.scope::text AS scope, k."targetId", k.seconds, k.at, k.shard, SUM(r."estimatedCostUsd") AS usd, count(*)::int AS n
      FROM "BudgetReservation" r CROSS JOIN LATERAL fd_budget_reserved_keys(r."teamId", r."agentId", r."expiresAt") k
      WHERE r."inTotals"
      GROUP BY 1, 2, 3, 4, 5
    ), actual AS (
      SELECT t.scope::text AS scope, t."targetId", t.seconds, t.at, t.shard, t."reservedUsd" AS usd, t.reservations AS n FROM "BudgetReservedTotal" t
      WHERE t.reservations <> 0 OR t."reservedUsd" <> 0
    ), recent AS (SELECT (now() AT TIME ZONE 'UTC') - interval '1 minute' AS since)
    SELECT 'missing' AS kind, * FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual) a, recent WHERE a.seconds = 60 OR a.at >= recent.since
    UNION ALL
    SELECT 'extra', * FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected) b, recent WHERE b.seconds = 60 OR b.at >= recent.since`;
}

/** What the organisation's budget is set to for a test (an existing one is changed and put back; else one is created and removed). */
async function withOrganisationCap<T>(leftUsd: number, now: Date, fn: () => Promise<T>): Promise<T> {
  const existing = await db.budget.findFirst({ where: { scope: "GLOBAL" } });
  const organisation = existing ?? (await db.budget.create({ data: { name: `Organisation ${suffix}`, scope: "GLOBAL", monthlyLimitUsd: 0, alertThresholds: [], createdByName: `tests ${suffix}` } }));
  try {
    // Used so far (spend and open reservations) by the budget check's own arithmetic; the limit is in cents.
    await db.budget.update({ where: { id: organisation.id }, data: { hardCap: false, monthlyLimitUsd: 1_000_000_000 } });
    const { agent } = await agentInTeam();
    const org = (await checkBudget(agent, 0, now)).budgets.find((b) => b.scope === "organisation")!;
    const used = org.spentUsd + org.reservedUsd;
    await db.budget.update({ where: { id: organisation.id }, data: { hardCap: true, monthlyLimitUsd: (Math.ceil(used * 100) + leftUsd * 100) / 100 } });
    return await fn();
  } finally {
    if (existing) await db.budget.update({ where: { id: existing.id }, data: { hardCap: existing.hardCap, monthlyLimitUsd: existing.monthlyLimitUsd } });
    else await db.budget.delete({ where: { id: organisation.id } });
  }
}

describe("setting budgets through the API (admin key)", () => {
  it("creates a budget at once (201) as an applied change, with the contract's fields", async () => {
    const { team } = await agentInTeam();
    const { status, body } = await createBudget({ scope: "team", team, monthlyLimitUsd: 100, hardCap: true });
    expect(status).toBe(201);
    expect(body.change).toMatchObject({ status: "applied" });
    expect(body.budget).toMatchObject({ scope: "team", team, agent: null, monthlyLimitUsd: 100, thresholds: [50, 80, 100], hardCap: true, spentUsd: 0, reservedUsd: 0 });
    expect(body.budget).toHaveProperty("forecastUsd");
    const audit = await db.auditEvent.findFirst({ where: { targetType: "change", targetId: body.change.id } });
    expect(audit).toMatchObject({ action: "change.apply", actorType: "API_KEY" });
    const again = await createBudget({ scope: "team", team, monthlyLimitUsd: 50 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict:budget_exists");
    const list = await listRoute(request("GET", "/api/v1/budgets", keys.admin), noParams);
    expect((await list.json()).data.map((b: { id: string }) => b.id)).toContain(body.budget.id);
  });

  it("lowers a limit and adds a cap at once (200); a raise or a removed cap waits for a second person (202)", async () => {
    const { agent } = await agentInTeam();
    const { body: created } = await createBudget({ scope: "agent", agent, monthlyLimitUsd: 40, thresholds: [90, 50] });
    const id = created.budget.id as string;
    expect(created.budget.thresholds).toEqual([50, 90]);

    const lower = await patchBudget(id, { monthlyLimitUsd: 30, hardCap: true });
    expect(lower.status).toBe(200);
    expect(lower.body.budget).toMatchObject({ monthlyLimitUsd: 30, hardCap: true });

    const raise = await patchBudget(id, { monthlyLimitUsd: 60, reason: "quarter end" });
    expect(raise.status).toBe(202);
    expect(raise.body.change).toMatchObject({ status: "pending", url: `/changes/${raise.body.change.id}` });
    expect(raise.body.budget).toMatchObject({ monthlyLimitUsd: 30, pendingChange: { id: raise.body.change.id } });

    // The key's creator proposed it (four eyes): finance cannot approve it, and a key can never decide.
    expect((await appErrorOf(approveChange(people.finance!, { changeId: raise.body.change.id, comment: "ok" }))).type).toBe("forbidden");
    await approveChange(people.compliance!, { changeId: raise.body.change.id, comment: "ok for the quarter" });
    const after = await getRoute(request("GET", `/api/v1/budgets/${id}`, keys.admin), idParams(id));
    expect(await after.json()).toMatchObject({ monthlyLimitUsd: 60, hardCap: true, pendingChange: null });

    const uncap = await patchBudget(id, { hardCap: false });
    expect(uncap.status).toBe(202);
    const removal = await deleteRoute(request("DELETE", `/api/v1/budgets/${id}`, keys.admin), idParams(id));
    expect(removal.status).toBe(409); // one change waits per budget
  });

  it("removes a budget only once a second person approves (DELETE answers 202)", async () => {
    const { agent } = await agentInTeam();
    const { body: created } = await createBudget({ scope: "agent", agent, monthlyLimitUsd: 7 });
    const id = created.budget.id as string;
    const removal = await deleteRoute(request("DELETE", `/api/v1/budgets/${id}`, keys.admin, { reason: "pilot over" }), idParams(id));
    expect(removal.status).toBe(202);
    const body = await removal.json();
    expect(body).toMatchObject({ budget: { id, pendingChange: { id: body.change.id } }, change: { status: "pending" } });
    expect(await db.budget.count({ where: { id } })).toBe(1);
    await approveChange(people.compliance!, { changeId: body.change.id, comment: "ok" });
    expect(await db.budget.count({ where: { id } })).toBe(0);
    expect((await getRoute(request("GET", `/api/v1/budgets/${id}`, keys.admin), idParams(id))).status).toBe(404);
    const bad = await deleteRoute(request("DELETE", `/api/v1/budgets/${id}`, keys.admin, "{oops"), idParams(id));
    expect(bad.status).toBe(404);
  });

  it("applies a lowering while a raise waits; the raise is then superseded, never applied over it", async () => {
    const { agent } = await agentInTeam();
    const target = { scope: "agent" as const, agent };
    await setBudget(people.finance!, { target, state: { monthlyLimitUsd: "50.00", thresholds: [100], hardCap: true }, reason: "start" });
    const raise = await setBudget(people.finance!, { target, state: { monthlyLimitUsd: "500.00", thresholds: [100], hardCap: true }, reason: "more" });
    expect(raise.applied).toBe(false);
    const lower = await setBudget(people.finance2!, { target, state: { monthlyLimitUsd: "20.00", thresholds: [100], hardCap: true }, reason: "incident" });
    expect(lower.applied).toBe(true);
    const outcome = await approveChange(people.compliance!, { changeId: raise.change.id, comment: "fine" }).catch((e: unknown) => e);
    expect(await db.change.findUniqueOrThrow({ where: { id: raise.change.id } })).toMatchObject({ status: "SUPERSEDED" });
    expect(outcome).toBeDefined();
    const budget = await db.budget.findFirstOrThrow({ where: { agent: { name: agent } } });
    expect(budget.monthlyLimitUsd.toFixed(2)).toBe("20.00");
  });

  it("lets finance and admins set budgets, and refuses ops leads, compliance and viewers", async () => {
    for (const [role, allowed] of [["finance", true], ["admin", true], ["ops", false], ["compliance", false], ["viewer", false]] as const) {
      const { agent } = await agentInTeam();
      const attempt = setBudget(people[role]!, { target: { scope: "agent", agent }, state: { monthlyLimitUsd: "10.00", thresholds: [], hardCap: false }, reason: role });
      if (allowed) await expect(attempt).resolves.toMatchObject({ applied: true });
      else expect((await appErrorOf(attempt)).type).toBe("forbidden");
    }
  });

  it("refuses keys without the admin scope and requests without a key", async () => {
    const { team } = await agentInTeam();
    for (const [key, status] of [[keys.check, 403], [keys.ingest, 403], [null, 401]] as const) {
      const response = await createRoute(request("POST", "/api/v1/budgets", key, { scope: "team", team, monthlyLimitUsd: 5 }), noParams);
      expect(response.status).toBe(status);
      expect((await listRoute(request("GET", "/api/v1/budgets", key), noParams)).status).toBe(status);
    }
    expect(await db.budget.count({ where: { team: { name: team } } })).toBe(0);
  });

  it("answers 400 naming the field for malformed bodies, 404 for unknown targets and ids, creating nothing", async () => {
    const { team, agent } = await agentInTeam();
    const cases: [unknown, number, string][] = [
      ["{nope", 400, "bad_request:json"],
      [[], 400, "bad_request:budget"],
      [{ scope: "team", monthlyLimitUsd: 5 }, 400, "bad_request:budget"],
      [{ scope: "planet", monthlyLimitUsd: 5 }, 400, "bad_request:budget"],
      [{ scope: "team", team, monthlyLimitUsd: "5" }, 400, "bad_request:budget"],
      [{ scope: "team", team, monthlyLimitUsd: -1 }, 400, "bad_request:budget"],
      [{ scope: "team", team, monthlyLimitUsd: 1.234 }, 400, "bad_request:budget"],
      [{ scope: "team", team, monthlyLimitUsd: 1e15 }, 400, "bad_request:budget"],
      [{ scope: "team", team, monthlyLimitUsd: 5, thresholds: [50, 50] }, 400, "bad_request:budget"],
      [{ scope: "team", team, monthlyLimitUsd: 5, thresholds: [0] }, 400, "bad_request:budget"],
      [{ scope: "team", team, monthlyLimitUsd: 5, thresholds: "50,80" }, 400, "bad_request:budget"],
      [{ scope: "team", team, monthlyLimitUsd: 5, hardCap: "yes" }, 400, "bad_request:budget"],
      [{ scope: "team", team, agent, monthlyLimitUsd: 5 }, 400, "bad_request:budget"],
      [{ scope: "team", team, monthlyLimitUsd: 5, extra: 1 }, 400, "bad_request:budget"],
      [{ scope: "team", team: "x".repeat(500), monthlyLimitUsd: 5 }, 400, "bad_request:budget"],
      [{ scope: "team", team: unique("nobody"), monthlyLimitUsd: 5 }, 404, "not_found:team"],
      [{ scope: "agent", agent: unique("nobody"), monthlyLimitUsd: 5 }, 404, "not_found:agent"],
    ];
    for (const [body, status, code] of cases) {
      const answer = await createBudget(body as Record<string, unknown>);
      expect([JSON.stringify(body).slice(0, 60), answer.status, answer.body.error?.code]).toEqual([JSON.stringify(body).slice(0, 60), status, code]);
    }
    const missing = await patchBudget("c".repeat(25), { monthlyLimitUsd: 1 });
    expect([missing.status, missing.body.error.code]).toEqual([404, "not_found:budget"]);
    const malformed = await patchBudget("../etc", { monthlyLimitUsd: 1 });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, "bad_request:budget_id"]);
    const { body: created } = await createBudget({ scope: "team", team, monthlyLimitUsd: 5 });
    expect((await patchBudget(created.budget.id, {})).status).toBe(400);
    expect((await patchBudget(created.budget.id, { monthlyLimitUsd: 5 })).body.error.code).toBe("conflict:change_no_op");
    expect(await db.budget.count({ where: { team: { name: team } } })).toBe(1);
  });
});

describe("reservations", () => {
  // A loop, not it.each: it.each would read "$10" in the title as a parameter.
  for (const commit of ["durable", "async"] as const)
    it(`grants exactly 20 of 100 concurrent $0.50 reservations against $10 left, never 21 (answered ${commit})`, async () => {
      const { agent, team } = await agentInTeam();
      await setBudget(people.finance!, { target: { scope: "team", team }, state: { monthlyLimitUsd: "12.00", thresholds: [], hardCap: true }, reason: "race" });
      await spend(agent, team, 2); // $10 left
      const answers = await Promise.all(Array.from({ length: 100 }, () => reserveBudget({ agent, estimatedCostUsd: 0.5 }, null, new Date(), { commit })));
      expect(answers.filter((a) => a.allowed)).toHaveLength(20);
      const held = await db.budgetReservation.aggregate({ where: { agent: { name: agent } }, _sum: { estimatedCostUsd: true }, _count: true });
      expect([held._count, held._sum.estimatedCostUsd?.toFixed(2)]).toEqual([20, "10.00"]);
      const refused = answers.find((a) => !a.allowed);
      expect(refused).toMatchObject({ allowed: false, remainingUsd: 0 });
      expect(refused && !refused.allowed && refused.reason).toContain(`team ${team}`);
    });

  it("answers a durable grant only after fd_flush_wal, which puts on disk all that was committed before it; an async one does not wait", async () => {
    const { agent } = await agentInTeam();
    const flushesOf = async (commit: "durable" | "async") => {
      let allowed = false;
      const statements = await captureStatements(async () => {
        allowed = (await reserveBudget({ agent, estimatedCostUsd: 0.1 }, null, new Date(), { commit })).allowed;
      });
      expect(allowed).toBe(true);
      return statements.filter((st) => st.text.includes("fd_flush_wal")).length;
    };
    expect(await flushesOf("durable")).toBe(1);
    expect(await flushesOf("async")).toBe(0);
    // The async grant just committed is not flushed yet (the WAL writer flushes within ~200 ms); fd_flush_wal flushes it now.
    const [{ lsn }] = (await readQuery<{ lsn: string }>(`SELECT pg_current_wal_insert_lsn()::text AS lsn`, [])) as [{ lsn: string }];
    await readQuery(`SELECT fd_flush_wal()`, []);
    const [{ flushed }] = (await readQuery<{ flushed: boolean }>(`SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS flushed`, [lsn])) as [{ flushed: boolean }];
    expect(flushed).toBe(true);
  });

  it("holds against the tightest of agent, team and organisation caps, through the HTTP API", async () => {
    const { agent, team } = await agentInTeam();
    await setBudget(people.finance!, { target: { scope: "agent", agent }, state: { monthlyLimitUsd: "3.00", thresholds: [], hardCap: true }, reason: "agent cap" });
    await setBudget(people.finance!, { target: { scope: "team", team }, state: { monthlyLimitUsd: "100.00", thresholds: [], hardCap: false }, reason: "soft team" });
    const first = await reserve({ agent, estimatedCostUsd: 2, ttlSeconds: 60 });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ allowed: true, remainingUsd: 1 });
    expect(first.body.id).toMatch(/^res_[0-9a-f]{32}$/);
    expect(Date.parse(first.body.expiresAt) - Date.now()).toBeGreaterThan(50_000);
    const second = await reserve({ agent, estimatedCostUsd: 1.5 });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ allowed: false, remainingUsd: 1 });
    expect(second.body.reason).toMatch(/hard cap of agent/);
    // The soft team budget never refuses, but shows what is held against it.
    const check = await checkRoute(request("GET", `/api/v1/budgets/check?agent=${agent}&estimatedCostUsd=0.5`, keys.check), noParams);
    const answer = await check.json();
    expect(answer).toMatchObject({ allowed: true, remainingUsd: 1 });
    expect(answer.budgets).toEqual([
      expect.objectContaining({ scope: "agent", hardCap: true, reservedUsd: 2, remainingUsd: 1, exceeded: false }),
      expect.objectContaining({ scope: "team", team, hardCap: false, reservedUsd: 2, remainingUsd: 98 }),
      ...answer.budgets.slice(2),
    ]);
    // Given back early, it holds nothing; only the key that made it may, once known.
    const other = await releaseRoute(request("DELETE", `/api/v1/budgets/reservations/${first.body.id}`, keys.admin), idParams(first.body.id));
    expect(other.status).toBe(404);
    const released = await releaseRoute(request("DELETE", `/api/v1/budgets/reservations/${first.body.id}`, keys.check), idParams(first.body.id));
    expect(released.status).toBe(204);
    expect((await checkBudget(agent, 2.5)).allowed).toBe(true);
  });

  it("is settled when its trace's LLM calls arrive: the actual cost replaces the estimate", async () => {
    const { agent, team } = await agentInTeam();
    await setBudget(people.finance!, { target: { scope: "agent", agent }, state: { monthlyLimitUsd: "10.00", thresholds: [], hardCap: true }, reason: "settle" });
    const traceId = randomTraceId();
    const held = await reserve({ agent, estimatedCostUsd: 4, traceId: traceId.toUpperCase() });
    expect(held.status).toBe(201);
    expect((await checkBudget(agent, 0)).remainingUsd).toBe(6);
    await spend(agent, team, 1.25, { traceId });
    const after = await checkBudget(agent, 0);
    expect(after.remainingUsd).toBe(8.75);
    expect(after.budgets[0]).toMatchObject({ spentUsd: 1.25, reservedUsd: 0 });
    expect(await db.budgetReservation.findUniqueOrThrow({ where: { id: held.body.id } })).toMatchObject({ settledAt: expect.any(Date) });
  });

  it("stops holding when it expires", async () => {
    const { agent } = await agentInTeam();
    await setBudget(people.finance!, { target: { scope: "agent", agent }, state: { monthlyLimitUsd: "1.00", thresholds: [], hardCap: true }, reason: "expiry" });
    const past = new Date(Date.now() - 10 * 60_000);
    expect((await reserveBudget({ agent, estimatedCostUsd: 1, ttlSeconds: 60 }, null, past)).allowed).toBe(true);
    expect((await checkBudget(agent, 1)).allowed).toBe(true);
  });

  it("counts against team and organisation caps at once under concurrency: exactly what the tightest allows, never more", async () => {
    const now = new Date();
    const a = await agentInTeam();
    const b = await agentInTeam();
    const capped = unique("capped");
    await spend(capped, a.team, 0); // a second agent of team a, with a $1 cap of its own
    for (const [team, spent] of [[a.team, 3], [b.team, 1]] as const) {
      await setBudget(people.finance!, { target: { scope: "team", team }, state: { monthlyLimitUsd: (spent + 5).toFixed(2), thresholds: [], hardCap: true }, reason: "race" });
      await spend(team === a.team ? a.agent : b.agent, team, spent); // $5 left in each team
    }
    await setBudget(people.finance!, { target: { scope: "agent", agent: capped }, state: { monthlyLimitUsd: "1.00", thresholds: [], hardCap: true }, reason: "race" });
    await withOrganisationCap(7, now, async () => {
      // 150 at once: team a's agents ask for $30 + $30, team b's for $15 against $5 + $5 in the teams and $7.00–7.01 in the organisation.
      const asks = [...Array(60).fill(a.agent), ...Array(60).fill(capped), ...Array(30).fill(b.agent)] as string[];
      const answers = await Promise.all(asks.map((agent) => reserveBudget({ agent, estimatedCostUsd: 0.5 }, null, now)));
      const granted = (name: string) => answers.filter((x, i) => x.allowed && asks[i] === name).length;
      expect(answers.filter((x) => x.allowed)).toHaveLength(14); // floor($7.00x / $0.50): the organisation binds
      expect(granted(capped)).toBeLessThanOrEqual(2);
      expect(granted(a.agent) + granted(capped)).toBeLessThanOrEqual(10);
      expect(granted(b.agent)).toBeLessThanOrEqual(10);
      const held = await db.budgetReservation.aggregate({ where: { agent: { name: { in: [a.agent, b.agent, capped] } } }, _sum: { estimatedCostUsd: true }, _count: true });
      expect([held._count, held._sum.estimatedCostUsd?.toFixed(2)]).toEqual([14, "7.00"]);
      const refusals = answers.filter((x) => !x.allowed).map((x) => (x.allowed ? "" : x.reason));
      expect(refusals.some((r) => r.includes("the organisation"))).toBe(true);
      expect((await checkBudget(b.agent, 0.5, now)).allowed).toBe(false);
      expect(await totalsDrift()).toEqual([]);
    });
  });

  it("grants on the fast path (one shard) far from the organisation's cap and exactly near it: never a cent over", async () => {
    const now = new Date();
    const agents = await Promise.all(Array.from({ length: 12 }, () => agentInTeam()));
    const { agent: whale } = await agentInTeam();
    await withOrganisationCap(1010, now, async () => {
      // $1,000 of it held (a large estimate: the exact path) leaves $10.00x: 200 reservations of $0.05, each of them
      // at most a thousandth of the limit, so the first ones hold one shard each, the last ones every shard.
      expect((await reserveBudget({ agent: whale, estimatedCostUsd: 1000 }, null, now)).allowed).toBe(true);
      const asks = Array.from({ length: 300 }, (_, i) => agents[i % agents.length]!.agent);
      const answers = await Promise.all(asks.map((agent) => reserveBudget({ agent, estimatedCostUsd: 0.05 }, null, now)));
      expect(answers.filter((x) => x.allowed)).toHaveLength(200);
      const held = await db.budgetReservation.aggregate({ where: { agent: { name: { in: agents.map((a) => a.agent) } } }, _sum: { estimatedCostUsd: true }, _count: true });
      expect([held._count, held._sum.estimatedCostUsd?.toFixed(2)]).toEqual([200, "10.00"]);
      expect(answers.find((x) => !x.allowed)).toMatchObject({ allowed: false, reason: expect.stringContaining("the organisation") });
      expect(await totalsDrift()).toEqual([]);
    });
  });

  it("keeps the reserved totals equal to the open reservations: settled estimates leave them, released and expired ones stop counting", async () => {
    const { agent, team } = await agentInTeam();
    await setBudget(people.finance!, { target: { scope: "team", team }, state: { monthlyLimitUsd: "20.00", thresholds: [], hardCap: true }, reason: "totals" });
    const traceId = randomTraceId();
    const settled = await reserve({ agent, estimatedCostUsd: 3, traceId });
    const released = await reserve({ agent, estimatedCostUsd: 2 });
    const kept = await reserve({ agent, estimatedCostUsd: 1.5 });
    expect([settled.status, released.status, kept.status]).toEqual([201, 201, 201]);
    expect((await checkBudget(agent, 0)).budgets[0]).toMatchObject({ scope: "team", spentUsd: 0, reservedUsd: 6.5, remainingUsd: 13.5 });

    // Settled by ingestion: its cost replaces the estimate at once, before and after it is folded out of the
    // totals — which this instance does on the notification the settlement commits (the job's fold is the net).
    foldOnSettlement();
    await ready(RESERVATIONS_CHANNEL);
    await spend(agent, team, 0.75, { traceId });
    expect((await checkBudget(agent, 0)).budgets[0]).toMatchObject({ spentUsd: 0.75, reservedUsd: 3.5, remainingUsd: 15.75 });
    await expect.poll(async () => (await db.budgetReservation.findUniqueOrThrow({ where: { id: settled.body.id } })).inTotals, { timeout: 5_000 }).toBe(false);
    expect(await foldSettledReservations()).toBe(0);
    expect(await db.budgetReservation.findUniqueOrThrow({ where: { id: settled.body.id } })).toMatchObject({ settledAt: expect.any(Date), inTotals: false });
    expect((await checkBudget(agent, 0)).budgets[0]).toMatchObject({ spentUsd: 0.75, reservedUsd: 3.5, remainingUsd: 15.75 });

    // Released: out of the totals in the same statement.
    const release = await releaseRoute(request("DELETE", `/api/v1/budgets/reservations/${released.body.id}`, keys.check), idParams(released.body.id));
    expect(release.status).toBe(204);
    expect(await db.budgetReservation.findUniqueOrThrow({ where: { id: released.body.id } })).toMatchObject({ inTotals: false });
    expect((await checkBudget(agent, 0)).budgets[0]).toMatchObject({ reservedUsd: 1.5, remainingUsd: 17.75 });
    const agentId = (await db.agent.findUniqueOrThrow({ where: { name: agent } })).id;
    const minutes = await db.budgetReservedTotal.findMany({ where: { scope: "AGENT", targetId: agentId, seconds: 60 } });
    expect(minutes.reduce((sum, m) => sum + Number(m.reservedUsd), 0)).toBe(1.5);
    expect(await totalsDrift()).toEqual([]);

    // Expired: counted until the millisecond it expires, whether its minute is still to come or the current one.
    const expiresAt = new Date((await db.budgetReservation.findUniqueOrThrow({ where: { id: kept.body.id } })).expiresAt);
    const reservedAt = async (at: Date) => (await checkBudget(agent, 0, at)).budgets[0]!.reservedUsd;
    expect(await reservedAt(new Date(expiresAt.getTime() - 70_000))).toBe(1.5);
    expect(await reservedAt(new Date(expiresAt.getTime() - 1))).toBe(1.5);
    expect(await reservedAt(expiresAt)).toBe(0);
    expect(await reservedAt(new Date(expiresAt.getTime() + 120_000))).toBe(0);
  });

  it("stops counting a reservation whose ttl runs out while the check waits, and the purge drops it with its totals", async () => {
    const { agent } = await agentInTeam();
    await setBudget(people.finance!, { target: { scope: "agent", agent }, state: { monthlyLimitUsd: "1.00", thresholds: [], hardCap: true }, reason: "ttl" });
    const held = await reserveBudget({ agent, estimatedCostUsd: 1, ttlSeconds: 1 }, null);
    if (!held.allowed) throw new Error("refused");
    // Expiries are whole seconds (rounded up), what the per-second totals count by.
    expect(held.expiresAt).toMatch(/:\d\d\.000Z$/);
    expect((await checkBudget(agent, 0.01)).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(held.expiresAt) - Date.now() + 20));
    expect((await checkBudget(agent, 1)).allowed).toBe(true);
    // Made (as of) three days ago by another agent: long expired, purged with the totals of its minute.
    const { agent: earlier } = await agentInTeam();
    const agentId = (await db.agent.findUniqueOrThrow({ where: { name: earlier } })).id;
    const old = await reserveBudget({ agent: earlier, estimatedCostUsd: 0.25, ttlSeconds: 60 }, null, new Date(Date.now() - 3 * 86_400_000));
    expect(old.allowed).toBe(true);
    expect(await purgeReservations()).toBeGreaterThanOrEqual(1);
    expect(await db.budgetReservation.count({ where: { agentId, expiresAt: { lt: new Date(Date.now() - 86_400_000) } } })).toBe(0);
    expect(await db.budgetReservedTotal.count({ where: { seconds: 60, at: { lt: new Date(Date.now() - 86_400_000 - 60_000) } } })).toBe(0);
    expect(await db.budgetReservedTotal.count({ where: { seconds: 1, at: { lt: new Date(Date.now() - 180_000) } } })).toBe(0);
    expect(await totalsDrift()).toEqual([]);
  });

  it("answers a retry with the same Idempotency-Key with the same reservation, held once, even when sent at once", async () => {
    const { agent } = await agentInTeam();
    await setBudget(people.finance!, { target: { scope: "agent", agent }, state: { monthlyLimitUsd: "10.00", thresholds: [], hardCap: true }, reason: "retries" });
    const key = randomBytes(16).toString("hex");
    const first = await reserve({ agent, estimatedCostUsd: 4 }, keys.check, { "Idempotency-Key": key });
    const retry = await reserve({ agent, estimatedCostUsd: 4 }, keys.check, { "Idempotency-Key": key });
    expect([first.status, retry.status, first.replayed, retry.replayed]).toEqual([201, 201, null, "true"]);
    expect(retry.body).toMatchObject({ id: first.body.id, allowed: true, expiresAt: first.body.expiresAt, remainingUsd: 6 });
    expect(await db.budgetReservation.count({ where: { agent: { name: agent } } })).toBe(1);
    // The same key for something else is the client's mistake; another API key's same key is its own.
    const other = await reserve({ agent, estimatedCostUsd: 5 }, keys.check, { "Idempotency-Key": key });
    expect([other.status, other.body.error.code]).toEqual([400, "bad_request:idempotency_key"]);
    expect((await reserve({ agent, estimatedCostUsd: 1 }, keys.check, { "Idempotency-Key": "x".repeat(201) })).status).toBe(400);

    // At once: with a hard cap (the lock orders them) and with none (the unique index does).
    const { agent: free } = await agentInTeam();
    for (const name of [agent, free]) {
      const same = `${key}-${name}`;
      const answers = await Promise.all(Array.from({ length: 20 }, () => reserveBudget({ agent: name, estimatedCostUsd: 0.5 }, null, new Date(), { idempotencyKey: same })));
      const ids = new Set(answers.map((x) => (x.allowed ? x.id : "refused")));
      expect([...ids]).toHaveLength(1);
      expect(await db.budgetReservation.count({ where: { idempotencyKey: same } })).toBe(1);
    }
    expect(await totalsDrift()).toEqual([]);
  });

  it("never blocks ingestion, even while a reservation holds the budget's lock", async () => {
    const { agent, team } = await agentInTeam();
    await setBudget(people.finance!, { target: { scope: "agent", agent }, state: { monthlyLimitUsd: "5.00", thresholds: [], hardCap: true }, reason: "lock" });
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query("BEGIN");
      // What a reservation on the exact path holds (every shard of the cap), and the budget row itself.
      await client.query(`SELECT fd_lock_budget_shards(b."id") FROM "Budget" b JOIN "Agent" a ON a."id" = b."agentId" WHERE a."name" = $1`, [agent]);
      await client.query(`SELECT 1 FROM "Budget" b JOIN "Agent" a ON a."id" = b."agentId" WHERE a."name" = $1 FOR UPDATE OF b`, [agent]);
      const traceId = randomTraceId();
      await db.budgetReservation.create({ data: { agentId: (await db.agent.findUniqueOrThrow({ where: { name: agent } })).id, traceId, estimatedCostUsd: 1, expiresAt: new Date(Date.now() + 60_000) } });
      const ingested = await Promise.race([spend(agent, team, 0.5, { traceId }).then(() => "ingested"), new Promise((resolve) => setTimeout(() => resolve("blocked"), 5_000))]);
      expect(ingested).toBe("ingested");
    } finally {
      await client.query("ROLLBACK");
      await client.end();
    }
  });

  it("answers 400 for malformed reservations and checks, 404 for an unknown agent, 401/403 without the scope", async () => {
    const { agent } = await agentInTeam();
    const bodies: unknown[] = [
      "{",
      { agent },
      { agent, estimatedCostUsd: -1 },
      { agent, estimatedCostUsd: "0.5" },
      { agent, estimatedCostUsd: Number.MAX_VALUE },
      { agent, estimatedCostUsd: 1, ttlSeconds: 0 },
      { agent, estimatedCostUsd: 1, ttlSeconds: 1.5 },
      { agent, estimatedCostUsd: 1, ttlSeconds: 86_400 },
      { agent, estimatedCostUsd: 1, traceId: "not-a-trace" },
      { agent, estimatedCostUsd: 1, surprise: true },
      { agent: "", estimatedCostUsd: 1 },
      { agent: ["a"], estimatedCostUsd: 1 },
    ];
    for (const body of bodies) expect([JSON.stringify(body), (await reserve(body)).status]).toEqual([JSON.stringify(body), 400]);
    const unknown = await reserve({ agent: unique("ghost"), estimatedCostUsd: 1 });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "not_found:agent"]);
    for (const query of ["", `?agent=${agent}&estimatedCostUsd=-1`, `?agent=${agent}&estimatedCostUsd=abc`, `?agent=${agent}&estimatedCostUsd=1e3`, `?agent=${agent}&agent=${agent}`]) {
      const response = await checkRoute(request("GET", `/api/v1/budgets/check${query}`, keys.check), noParams);
      expect([query, response.status]).toEqual([query, 400]);
    }
    expect((await checkRoute(request("GET", `/api/v1/budgets/check?agent=${unique("ghost")}`, keys.check), noParams)).status).toBe(404);
    for (const [key, status] of [[keys.ingest, 403], [null, 401]] as const) {
      expect((await reserve({ agent, estimatedCostUsd: 1 }, key as string)).status).toBe(status);
      expect((await checkRoute(request("GET", `/api/v1/budgets/check?agent=${agent}`, key), noParams)).status).toBe(status);
    }
    expect(await db.budgetReservation.count({ where: { agent: { name: agent } } })).toBe(0);
  });
});

describe("alerts", () => {
  it("records each threshold once per budget and month, and sends it to a subscribed receiver", async () => {
    const received: string[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push(Buffer.concat(chunks).toString("utf8"));
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      await execute(createWebhookEndpoint, people.admin!, createWebhookEndpointSchema.parse({ name: unique("budget-hook"), url, eventTypes: ["budget.threshold_crossed"] }));
      const { agent, team } = await agentInTeam();
      await setBudget(people.finance!, { target: { scope: "team", team }, state: { monthlyLimitUsd: "10.00", thresholds: [50, 80, 100], hardCap: false }, reason: "alerts" });
      const budget = await db.budget.findFirstOrThrow({ where: { team: { name: team } } });
      await spend(agent, team, 4.99);
      expect((await recordBudgetAlerts(db)).filter((a) => a.budgetId === budget.id)).toEqual([]);
      await spend(agent, team, 3.01); // $8.00: 50 % and 80 %
      const [first, second] = await Promise.all([recordBudgetAlerts(db), recordBudgetAlerts(db)]);
      const mine = [...first, ...second].filter((a) => a.budgetId === budget.id);
      expect(mine.map((a) => a.threshold).sort()).toEqual([50, 80]);
      expect((await recordBudgetAlerts(db)).filter((a) => a.budgetId === budget.id)).toEqual([]);
      expect(await db.budgetAlert.count({ where: { budgetId: budget.id } })).toBe(2);
      await deliverDueWebhooks();
      const events = received.map((r) => JSON.parse(r)).filter((e) => e.data.budgetId === budget.id);
      expect(events.map((e) => [e.type, e.data.threshold]).sort()).toEqual([["budget.threshold_crossed", 50], ["budget.threshold_crossed", 80]]);
      expect(events[0].text).toContain(`Team ${team} budget`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("anomalies", () => {
  it("flags more than 3× the median of the same hour over 7 days, above a minimum", () => {
    expect(anomalyOf({ agentId: "a", lastUsd: 10, baselineUsd: [1, 1, 2, 1, 3, 1, 1] })).toBe(1);
    expect(anomalyOf({ agentId: "a", lastUsd: 3, baselineUsd: [1, 1, 1, 1, 1, 1, 1] })).toBeNull();
    expect(anomalyOf({ agentId: "a", lastUsd: 0.5, baselineUsd: [] })).toBeNull();
    expect(anomalyOf({ agentId: "a", lastUsd: 2, baselineUsd: [] })).toBe(0);
  });

  it("records an agent's hot hour once, from its stored calls", async () => {
    const { agent, team } = await agentInTeam();
    const now = new Date(Date.now() + 365 * 86_400_000); // a quiet hour nobody else spends in
    for (let d = 1; d <= 7; d++) await spend(agent, team, 1, { at: new Date(now.getTime() - d * 86_400_000 - 30 * 60_000) });
    await spend(agent, team, 12, { at: new Date(now.getTime() - 10 * 60_000) });
    const flagged = await detectAnomalies(db, now);
    const agentId = (await db.agent.findUniqueOrThrow({ where: { name: agent } })).id;
    expect(flagged.filter((f) => f.agentId === agentId)).toEqual([{ agentId, lastUsd: 12, baselineUsd: 1 }]);
    expect((await detectAnomalies(db, now)).filter((f) => f.agentId === agentId)).toEqual([]);
    expect(await db.spendAnomaly.count({ where: { agentId } })).toBe(1);
  });
});

afterAll(async () => {
  await db.budget.deleteMany({ where: { createdByName: { contains: suffix } } });
});
