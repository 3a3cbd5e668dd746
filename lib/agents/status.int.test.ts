/**
 * Agent status against the real database: who may pause and resume (each
 * role, each key scope, an agent's own key), resuming a tripped agent only
 * with the trip acknowledged, whole teams, exactly-once under concurrency,
 * the status API (ETag, 304, long-poll woken by a change, hostile input) and
 * the 423 of every agent-facing call while the agent is not active.
 */
import { describe, expect, it } from "vitest";
import { GET as getBudgetCheckRoute } from "@/app/api/v1/budgets/check/route";
import { POST as reserveRoute } from "@/app/api/v1/budgets/reservations/route";
import { POST as requestClearanceRoute } from "@/app/api/v1/escalations/route";
import { GET as getPromptRoute } from "@/app/api/v1/prompts/[name]/route";
import { GET as getStatusRoute, POST as postStatusRoute } from "@/app/api/v1/agents/[name]/status/route";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { execute } from "@/lib/commands";
import { db } from "@/lib/db";
import { agentInTeam, apiKey, json, noParams, person, request, unique } from "@/lib/escalations/test-support";
import type { Role } from "@/lib/rbac";
import { appErrorOf } from "@/tests/support/app-error";
import { agentStatusRow } from "./gate";
import { setAgentStatusCommand, setTeamStatusCommand, tripAgentCommand } from "./status";

const nameParams = (name: string) => ({ params: Promise.resolve({ name }) });
const statusOf = async (agent: string) => (await db.agent.findUniqueOrThrow({ where: { name: agent }, select: { status: true } })).status;

async function trip(agent: string, reason = "tool error rate 80 % over the last 10 calls") {
  const row = await db.agent.findUniqueOrThrow({ where: { name: agent }, select: { id: true } });
  const breaker = await db.breaker.create({ data: { agentId: row.id, name: unique("brk"), condition: "TOOL_ERROR_RATE", params: { thresholdPct: 50, window: 10, minSample: 5 }, mode: "ENFORCE" } });
  return execute(tripAgentCommand, SYSTEM_ACTOR, { agentId: row.id, breakerId: breaker.id, breakerName: breaker.name, reason, runIds: [] });
}

describe("pausing and resuming: who may", () => {
  const allowed: Role[] = ["ADMIN", "OPS_LEAD"];
  const refused: Role[] = ["COMPLIANCE", "FINANCE", "VIEWER"];

  for (const role of allowed) {
    it(`${role} pauses and resumes, each an audit event and a status event`, async () => {
      const { agent } = await agentInTeam();
      const me = await person(role, role.toLowerCase());
      const paused = await execute(setAgentStatusCommand, me, { agent, status: "PAUSED", reason: "looping on the ERP lookup" });
      expect(paused).toEqual({ changed: true, status: "PAUSED", agent });
      const row = await db.agent.findUniqueOrThrow({ where: { name: agent } });
      expect(row).toMatchObject({ status: "PAUSED", statusReason: "looping on the ERP lookup", statusSetBy: me.label });
      await execute(setAgentStatusCommand, me, { agent, status: "ACTIVE", reason: "fixed" });
      expect(await statusOf(agent)).toBe("ACTIVE");
      const events = await db.agentStatusEvent.findMany({ where: { agentId: row.id }, orderBy: { at: "asc" } });
      expect(events.map((e) => [e.previous, e.status, e.userId])).toEqual([
        ["ACTIVE", "PAUSED", me.id],
        ["PAUSED", "ACTIVE", me.id],
      ]);
      const audit = await db.auditEvent.findMany({ where: { targetType: "agent", targetId: row.id }, orderBy: { seq: "asc" }, select: { action: true, actorId: true } });
      expect(audit).toEqual([
        { action: "agent.pause", actorId: me.id },
        { action: "agent.resume", actorId: me.id },
      ]);
    });
  }

  for (const role of refused) {
    it(`${role} may not pause`, async () => {
      const { agent } = await agentInTeam();
      const me = await person(role, role.toLowerCase());
      const error = await appErrorOf(execute(setAgentStatusCommand, me, { agent, status: "PAUSED", reason: "no" }));
      expect(error.code).toBe("forbidden:agents:control");
      expect(await statusOf(agent)).toBe("ACTIVE");
    });
  }

  it("a key needs agents:control; an agent's own key may pause it but never resume it", async () => {
    const { agent } = await agentInTeam();
    const agentRow = await db.agent.findUniqueOrThrow({ where: { name: agent }, select: { id: true } });
    const reader = await apiKey(["escalations:request"]);
    expect((await appErrorOf(execute(setAgentStatusCommand, reader.actor, { agent, status: "PAUSED", reason: "x" }))).code).toBe("forbidden:api_key");
    const own = await apiKey(["agents:control", "escalations:request"]);
    await db.apiKey.update({ where: { id: own.id }, data: { agentId: agentRow.id } });
    await execute(setAgentStatusCommand, own.actor, { agent, status: "PAUSED", reason: "I am looping" });
    expect(await statusOf(agent)).toBe("PAUSED");
    expect((await appErrorOf(execute(setAgentStatusCommand, own.actor, { agent, status: "ACTIVE", reason: "let me go" }))).code).toBe("forbidden:agent_own_key");
    expect(await statusOf(agent)).toBe("PAUSED");
    const tooling = await apiKey(["agents:control"]);
    await execute(setAgentStatusCommand, tooling.actor, { agent, status: "ACTIVE", reason: "incident closed" });
    expect(await db.agent.findUniqueOrThrow({ where: { name: agent } })).toMatchObject({ status: "ACTIVE", statusSetBy: `key:${tooling.actor.label}` });
  });

  it("an unknown agent is not_found, an empty reason bad_request", async () => {
    const ops = await person("OPS_LEAD", "ops");
    expect((await appErrorOf(execute(setAgentStatusCommand, ops, { agent: unique("nobody"), status: "PAUSED", reason: "x" }))).code).toBe("not_found:agent");
    const { agent } = await agentInTeam();
    expect((await appErrorOf(execute(setAgentStatusCommand, ops, { agent, status: "PAUSED", reason: "   " }))).code).toBe("bad_request:reason");
  });
});

describe("tripped agents", () => {
  it("resume only with the trip's reason acknowledged, which the event keeps", async () => {
    const { agent } = await agentInTeam();
    await trip(agent, "5 looping runs in 10 minutes");
    expect(await db.agent.findUniqueOrThrow({ where: { name: agent } })).toMatchObject({ status: "TRIPPED", statusReason: "5 looping runs in 10 minutes" });
    const ops = await person("OPS_LEAD", "ops");
    const refused = await appErrorOf(execute(setAgentStatusCommand, ops, { agent, status: "ACTIVE", reason: "try again" }));
    expect(refused.code).toBe("conflict:trip_not_acknowledged");
    expect(refused.message).toContain("5 looping runs in 10 minutes");
    await execute(setAgentStatusCommand, ops, { agent, status: "ACTIVE", reason: "ERP fixed", acknowledgeTrip: true });
    const last = await db.agentStatusEvent.findFirstOrThrow({ where: { agent: { name: agent } }, orderBy: { at: "desc" } });
    expect(last).toMatchObject({ previous: "TRIPPED", status: "ACTIVE", acknowledged: "5 looping runs in 10 minutes" });
  });

  it("a breaker trips only an active agent, and once however many race", async () => {
    const { agent } = await agentInTeam();
    const row = await db.agent.findUniqueOrThrow({ where: { name: agent }, select: { id: true } });
    const breaker = await db.breaker.create({ data: { agentId: row.id, name: unique("brk"), condition: "LOOPS", params: { runs: 3, windowMinutes: 10 }, mode: "ENFORCE" } });
    const results = await Promise.all(
      Array.from({ length: 12 }, () => execute(tripAgentCommand, SYSTEM_ACTOR, { agentId: row.id, breakerId: breaker.id, breakerName: breaker.name, reason: "loops", runIds: [] })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await db.agentStatusEvent.count({ where: { agentId: row.id, status: "TRIPPED" } })).toBe(1);
    expect(await db.auditEvent.count({ where: { targetId: row.id, action: "agent.trip" } })).toBe(1);
    expect(await db.agent.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ statusBreakerId: breaker.id, statusSetBy: `breaker:${breaker.name}` });
    // A person who paused an agent keeps it paused: a breaker does not take it over.
    const { agent: other } = await agentInTeam();
    const ops = await person("OPS_LEAD", "ops");
    await execute(setAgentStatusCommand, ops, { agent: other, status: "PAUSED", reason: "investigating" });
    expect(await trip(other)).toBeNull();
    expect(await statusOf(other)).toBe("PAUSED");
  });
});

describe("concurrency and teams", () => {
  it("twenty concurrent pauses change the agent once", async () => {
    const { agent } = await agentInTeam();
    const ops = await person("OPS_LEAD", "ops");
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => execute(setAgentStatusCommand, ops, { agent, status: "PAUSED", reason: `pause ${i}` })));
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(await db.agentStatusEvent.count({ where: { agent: { name: agent } } })).toBe(1);
    expect(await db.auditEvent.count({ where: { action: "agent.pause", metadata: { path: ["agent"], equals: agent } } })).toBe(1);
  });

  it("a team pauses as a whole; resuming it leaves tripped agents tripped", async () => {
    const first = await agentInTeam();
    const team = first.team;
    const second = unique("agent");
    const third = unique("agent");
    const teamRow = await db.team.findUniqueOrThrow({ where: { name: team } });
    await db.agent.createMany({ data: [second, third].map((name) => ({ name, teamId: teamRow.id })) });
    const ops = await person("OPS_LEAD", "ops");
    const paused = await execute(setTeamStatusCommand, ops, { team, status: "PAUSED", reason: "supplier outage" });
    expect(paused.changed.sort()).toEqual([first.agent, second, third].sort());
    // One of them trips while paused? It cannot: it stays paused. Make it tripped by resuming it, then tripping it.
    await execute(setAgentStatusCommand, ops, { agent: third, status: "ACTIVE", reason: "probe" });
    await trip(third);
    const resumed = await execute(setTeamStatusCommand, ops, { team, status: "ACTIVE", reason: "supplier back" });
    expect(resumed.changed.sort()).toEqual([first.agent, second].sort());
    expect(resumed.skippedTripped).toEqual([third]);
    expect(await statusOf(third)).toBe("TRIPPED");
    const viewer = await person("VIEWER", "viewer");
    expect((await appErrorOf(execute(setTeamStatusCommand, viewer, { team, status: "PAUSED", reason: "x" }))).code).toBe("forbidden:agents:control");
    expect((await appErrorOf(execute(setTeamStatusCommand, ops, { team: unique("no-team"), status: "PAUSED", reason: "x" }))).code).toBe("not_found:team");
  });
});

describe("GET/POST /api/v1/agents/{name}/status", () => {
  it("answers the status with an ETag and 304 when unchanged", async () => {
    const { agent } = await agentInTeam();
    const key = await apiKey(["escalations:request"]);
    const first = await getStatusRoute(request("GET", `/api/v1/agents/${agent}/status`, key.key), nameParams(agent));
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("private, max-age=2");
    const etag = first.headers.get("etag");
    expect(await first.json()).toEqual({ agent, status: "active", reason: null, since: null, setBy: null, breaker: null });
    const again = request("GET", `/api/v1/agents/${agent}/status`, key.key);
    again.headers.set("If-None-Match", etag!);
    expect((await getStatusRoute(again, nameParams(agent))).status).toBe(304);
  });

  it("a long poll is woken by a pause within the wait", async () => {
    const { agent } = await agentInTeam();
    const key = await apiKey(["escalations:request"]);
    const first = await getStatusRoute(request("GET", `/api/v1/agents/${agent}/status`, key.key), nameParams(agent));
    const poll = request("GET", `/api/v1/agents/${agent}/status?waitSeconds=20`, key.key);
    poll.headers.set("If-None-Match", first.headers.get("etag")!);
    const started = Date.now();
    const pending = getStatusRoute(poll, nameParams(agent));
    await new Promise((r) => setTimeout(r, 300));
    const ops = await person("OPS_LEAD", "ops");
    await execute(setAgentStatusCommand, ops, { agent, status: "PAUSED", reason: "stop now" });
    const woken = await pending;
    expect(woken.status).toBe(200);
    expect(await woken.json()).toMatchObject({ agent, status: "paused", reason: "stop now", setBy: ops.label });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("POST pauses with agents:control and refuses everything else clearly", async () => {
    const { agent } = await agentInTeam();
    const control = await apiKey(["agents:control"]);
    const other = await apiKey(["escalations:request", "budgets:check"]);
    const post = (key: string | null, body: unknown, name = agent) => postStatusRoute(request("POST", `/api/v1/agents/${encodeURIComponent(name)}/status`, key, body), nameParams(name));
    expect((await json(await post(other.key, { status: "paused", reason: "x" }))).body.error?.code).toBe("forbidden:api_key");
    expect((await post(null, { status: "paused", reason: "x" })).status).toBe(401);
    const bad: unknown[] = [
      { status: "tripped", reason: "x" },
      { status: "paused" },
      { status: "paused", reason: "" },
      { status: "paused", reason: 42 },
      { status: "paused", reason: "x".repeat(501) },
      { status: "paused", reason: "x", acknowledgeTrip: "yes" },
      { status: "paused", reason: "x", extra: 1 },
      "not json",
      [],
      null,
    ];
    for (const body of bad) {
      const res = await post(control.key, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await json(await post(control.key, { status: "paused", reason: "x" }, unique("ghost")))).status).toBe(404);
    expect((await json(await post(control.key, { status: "paused", reason: "x" }, "a".repeat(201)))).status).toBe(400);
    expect(await statusOf(agent)).toBe("ACTIVE");
    const ok = await json(await post(control.key, { status: "paused", reason: "incident INC-42" }));
    expect(ok).toMatchObject({ status: 200, body: { agent, status: "paused", reason: "incident INC-42", setBy: `key:${control.actor.label}`, changed: true } });
    const twice = await json(await post(control.key, { status: "paused", reason: "again" }));
    expect(twice.body).toMatchObject({ status: "paused", reason: "incident INC-42", changed: false });
  });

  it("a key given to one agent cannot read or change another", async () => {
    const { agent } = await agentInTeam();
    const { agent: other } = await agentInTeam();
    const row = await db.agent.findUniqueOrThrow({ where: { name: agent }, select: { id: true } });
    const own = await apiKey(["agents:control"]);
    await db.apiKey.update({ where: { id: own.id }, data: { agentId: row.id } });
    const read = await getStatusRoute(request("GET", `/api/v1/agents/${other}/status`, own.key), nameParams(other));
    expect((await json(read)).body.error?.code).toBe("forbidden:agent_key");
    const change = await postStatusRoute(request("POST", `/api/v1/agents/${other}/status`, own.key, { status: "paused", reason: "x" }), nameParams(other));
    expect(change.status).toBe(403);
    const resume = await postStatusRoute(request("POST", `/api/v1/agents/${agent}/status`, own.key, { status: "paused", reason: "self-stop" }), nameParams(agent));
    expect(resume.status).toBe(200);
    const back = await postStatusRoute(request("POST", `/api/v1/agents/${agent}/status`, own.key, { status: "active", reason: "let me" }), nameParams(agent));
    expect((await json(back)).body.error?.code).toBe("forbidden:agent_own_key");
  });
});

describe("423 on every agent-facing call while not active", () => {
  it("clearance requests and prompt fetches naming the agent are refused with the reason, and allowed again once resumed", async () => {
    const { agent } = await agentInTeam();
    const key = await apiKey(["escalations:request", "prompts:read"]);
    const ops = await person("OPS_LEAD", "ops");
    const ask = () => requestClearanceRoute(request("POST", "/api/v1/escalations", key.key, { agent, tool: "send_email", arguments: {} }), noParams);
    expect((await ask()).status).toBe(201);
    // Primes this instance's status cache with "active"; the pause must get through it.
    expect((await agentStatusRow(agent))?.status).toBe("ACTIVE");
    await execute(setAgentStatusCommand, ops, { agent, status: "PAUSED", reason: "looping on send_email" });
    // Another instance learns of it through the hub; here too, within a moment.
    const deadline = Date.now() + 3000;
    let refused = await json(await ask());
    while (refused.status !== 423 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      refused = await json(await ask());
    }
    expect(refused.status).toBe(423);
    expect(refused.body.error?.code).toBe("agent_paused");
    expect(refused.body.error?.message).toContain("looping on send_email");
    const prompt = await getPromptRoute(request("GET", `/api/v1/prompts/anything?agent=${encodeURIComponent(agent)}`, key.key), nameParams("anything"));
    expect((await json(prompt)).body.error?.code).toBe("agent_paused");
    await execute(setAgentStatusCommand, ops, { agent, status: "ACTIVE", reason: "fixed" });
    const back = Date.now() + 3000;
    let again = await ask();
    while (again.status === 423 && Date.now() < back) {
      await new Promise((r) => setTimeout(r, 20));
      again = await ask();
    }
    expect(again.status).toBe(201);
  });

  it("budget checks and reservations for a paused agent are refused with the reason", async () => {
    const { agent } = await agentInTeam();
    const key = await apiKey(["budgets:check"]);
    const ops = await person("OPS_LEAD", "ops");
    const check = () => getBudgetCheckRoute(request("GET", `/api/v1/budgets/check?agent=${encodeURIComponent(agent)}&estimatedCostUsd=0.5`, key.key), noParams);
    const reserve = () => reserveRoute(request("POST", "/api/v1/budgets/reservations", key.key, { agent, estimatedCostUsd: 0.5 }), noParams);
    expect((await check()).status).toBe(200);
    await execute(setAgentStatusCommand, ops, { agent, status: "PAUSED", reason: "runaway spend on retries" });
    const deadline = Date.now() + 3000;
    let refused = await json(await check());
    while (refused.status !== 423 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      refused = await json(await check());
    }
    expect(refused.body.error).toMatchObject({ code: "agent_paused" });
    expect(refused.body.error?.message).toContain("runaway spend on retries");
    const held = await json(await reserve());
    expect(held.status).toBe(423);
    expect(held.body.error?.code).toBe("agent_paused");
    expect(await db.budgetReservation.count({ where: { agent: { name: agent } } })).toBe(0);
  });

  it("a tripped agent answers agent_tripped; an agent's own key is gated without naming it", async () => {
    const { agent } = await agentInTeam();
    const row = await db.agent.findUniqueOrThrow({ where: { name: agent }, select: { id: true } });
    const own = await apiKey(["prompts:read", "escalations:request"]);
    await db.apiKey.update({ where: { id: own.id }, data: { agentId: row.id } });
    await trip(agent, "spend $40 in the last hour, limit $25");
    const deadline = Date.now() + 3000;
    let res = await json(await getPromptRoute(request("GET", "/api/v1/prompts/anything", own.key), nameParams("anything")));
    while (res.status !== 423 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      res = await json(await getPromptRoute(request("GET", "/api/v1/prompts/anything", own.key), nameParams("anything")));
    }
    expect(res.status).toBe(423);
    expect(res.body.error?.code).toBe("agent_tripped");
    expect(res.body.error?.message).toContain("spend $40 in the last hour");
    const forOther = await requestClearanceRoute(request("POST", "/api/v1/escalations", own.key, { agent: unique("someone-else"), tool: "x", arguments: {} }), noParams);
    expect((await json(forOther)).body.error?.code).toBe("forbidden:agent_key");
  });
});
