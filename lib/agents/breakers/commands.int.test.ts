/**
 * The breaker commands against the real database: who may create, change,
 * enable or disable, switch mode and delete (each role, each key scope, a key
 * given to an agent), what each records (audit with before and after), the
 * state a change resets, and hostile input (malformed, oversized, wrongly
 * typed, another agent's breaker, concurrent writers).
 */
import { describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "@/lib/audit";
import { execute } from "@/lib/commands";
import { db } from "@/lib/db";
import { apiKey, person } from "@/lib/escalations/test-support";
import type { Role } from "@/lib/rbac";
import { appErrorOf } from "@/tests/support/app-error";
import { createBreakerCommand, deleteBreakerCommand, updateBreakerCommand } from "./commands";
import { MAX_BREAKERS_PER_AGENT } from "./schemas";
import { ingest, newAgent, newBreaker, statusOf, toolCalls, unique } from "./test-support";

const settings = (over: Record<string, unknown> = {}) => ({
  name: unique("brk"),
  condition: "TOOL_ERROR_RATE",
  params: { thresholdPct: 50, window: 10, minSample: 5 },
  mode: "OBSERVE",
  enabled: true,
  coolDownMinutes: 15,
  halfOpen: false,
  ...over,
});

describe("who may", () => {
  const allowed: Role[] = ["ADMIN", "OPS_LEAD"];
  const refused: Role[] = ["COMPLIANCE", "FINANCE", "VIEWER"];

  for (const role of allowed) {
    it(`${role} creates, edits, disables, switches mode and deletes, each audited`, async () => {
      const agent = await newAgent();
      const me = await person(role, role.toLowerCase());
      const row = await execute(createBreakerCommand, me, { agent: agent.name, settings: settings() });
      await execute(updateBreakerCommand, me, { agent: agent.name, breakerId: row.id, changes: { params: { thresholdPct: 60, window: 10, minSample: 5 } } });
      await execute(updateBreakerCommand, me, { agent: agent.name, breakerId: row.id, changes: { enabled: false } });
      await execute(updateBreakerCommand, me, { agent: agent.name, breakerId: row.id, changes: { mode: "ENFORCE" } });
      await execute(deleteBreakerCommand, me, { agent: agent.name, breakerId: row.id });
      expect(await db.breaker.findUnique({ where: { id: row.id } })).toBeNull();
      const audit = await db.auditEvent.findMany({ where: { targetType: "breaker", targetId: row.id }, orderBy: { seq: "asc" } });
      expect(audit.map((a) => [a.action, a.actorId])).toEqual([
        ["breaker.create", me.id],
        ["breaker.update", me.id],
        ["breaker.update", me.id],
        ["breaker.update", me.id],
        ["breaker.delete", me.id],
      ]);
      expect(audit[1]!.before).toMatchObject({ params: { thresholdPct: 50 } });
      expect(audit[1]!.after).toMatchObject({ params: { thresholdPct: 60 } });
      expect(audit[2]!.after).toMatchObject({ enabled: false });
      expect(audit[3]!.after).toMatchObject({ mode: "ENFORCE" });
    });
  }

  for (const role of refused) {
    it(`${role} may do none of it`, async () => {
      const agent = await newAgent();
      const me = await person(role, role.toLowerCase());
      const existing = await newBreaker(agent, { condition: "LOOPS", params: { runs: 2, windowMinutes: 5 } });
      expect((await appErrorOf(execute(createBreakerCommand, me, { agent: agent.name, settings: settings() }))).code).toBe("forbidden:agents:control");
      expect((await appErrorOf(execute(updateBreakerCommand, me, { agent: agent.name, breakerId: existing.id, changes: { enabled: false } }))).code).toBe("forbidden:agents:control");
      expect((await appErrorOf(execute(updateBreakerCommand, me, { agent: agent.name, breakerId: existing.id, changes: { mode: "OBSERVE" } }))).code).toBe("forbidden:agents:control");
      expect((await appErrorOf(execute(deleteBreakerCommand, me, { agent: agent.name, breakerId: existing.id }))).code).toBe("forbidden:agents:control");
      expect(await db.breaker.findUniqueOrThrow({ where: { id: existing.id } })).toMatchObject({ enabled: true, mode: "ENFORCE" });
    });
  }

  it("keys: agents:control and admin may, other scopes and revoked keys may not, a key given to an agent never", async () => {
    const agent = await newAgent();
    for (const scopes of [["agents:control"], ["admin"]]) {
      const key = await apiKey(scopes);
      const row = await execute(createBreakerCommand, key.actor, { agent: agent.name, settings: settings() });
      await execute(updateBreakerCommand, key.actor, { agent: agent.name, breakerId: row.id, changes: { enabled: false } });
      await execute(deleteBreakerCommand, key.actor, { agent: agent.name, breakerId: row.id });
    }
    const existing = await newBreaker(agent, { condition: "LOOPS", params: { runs: 2, windowMinutes: 5 } });
    for (const scopes of [["ingest"], ["escalations:request", "budgets:check"]]) {
      const key = await apiKey(scopes);
      expect((await appErrorOf(execute(createBreakerCommand, key.actor, { agent: agent.name, settings: settings() }))).code).toBe("forbidden:api_key");
      expect((await appErrorOf(execute(deleteBreakerCommand, key.actor, { agent: agent.name, breakerId: existing.id }))).code).toBe("forbidden:api_key");
    }
    const revoked = await apiKey(["agents:control"]);
    await db.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    expect((await appErrorOf(execute(createBreakerCommand, revoked.actor, { agent: agent.name, settings: settings() }))).code).toBe("unauthorized:api_key");
    // The agent's own key, even with agents:control and admin, never lifts or weakens its breakers.
    const own = await apiKey(["agents:control", "admin"]);
    await db.apiKey.update({ where: { id: own.id }, data: { agentId: agent.id } });
    for (const attempt of [
      () => execute(updateBreakerCommand, own.actor, { agent: agent.name, breakerId: existing.id, changes: { enabled: false } }),
      () => execute(deleteBreakerCommand, own.actor, { agent: agent.name, breakerId: existing.id }),
      () => execute(createBreakerCommand, own.actor, { agent: agent.name, settings: settings() }),
    ]) {
      expect((await appErrorOf(attempt())).code).toBe("forbidden:agent_key");
    }
    expect(await db.breaker.findUniqueOrThrow({ where: { id: existing.id } })).toMatchObject({ enabled: true });
  });
});

describe("what a change does", () => {
  it("disabling or switching to observe closes an open breaker and leaves the agent tripped", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { condition: "TOOL_ERROR_RATE", params: { thresholdPct: 50, window: 10, minSample: 5 } });
    await ingest(toolCalls(agent, "xxxxx"));
    expect(await statusOf(agent)).toBe("TRIPPED");
    const ops = await person("OPS_LEAD", "ops");
    await execute(updateBreakerCommand, ops, { agent: agent.name, breakerId: b.id, changes: { mode: "OBSERVE" } });
    expect(await db.breaker.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({ state: "CLOSED", mode: "OBSERVE" });
    expect(await statusOf(agent)).toBe("TRIPPED");
  });

  it("a new condition needs its own params; a changed rule forgets the last value; no-op changes are not audited", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { condition: "SPEND_HOUR", params: { limitUsd: 5 } });
    await db.breaker.update({ where: { id: b.id }, data: { lastValue: 3 } });
    const wrong = await appErrorOf(execute(updateBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, breakerId: b.id, changes: { condition: "LOOPS" } }));
    expect(wrong.code).toBe("bad_request:breaker");
    expect(JSON.stringify(wrong.details)).toContain("params.runs");
    await execute(updateBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, breakerId: b.id, changes: { condition: "LOOPS", params: { runs: 2, windowMinutes: 5 } } });
    expect(await db.breaker.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({ condition: "LOOPS", lastValue: null });
    const before = await db.auditEvent.count({ where: { targetId: b.id } });
    await execute(updateBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, breakerId: b.id, changes: { coolDownMinutes: 15 } });
    expect(await db.auditEvent.count({ where: { targetId: b.id } })).toBe(before);
  });
});

describe("hostile input", () => {
  it("malformed, wrongly typed and oversized settings are refused with the field", async () => {
    const agent = await newAgent();
    const cases: [unknown, string][] = [
      [settings({ name: "" }), "name"],
      [settings({ name: "x".repeat(10_000) }), "name"],
      [settings({ name: "tab\tname" }), "name"],
      [settings({ condition: "DROP TABLE" }), "condition"],
      [settings({ params: "50%" }), "params"],
      [settings({ params: { thresholdPct: "50", window: 10, minSample: 5 } }), "params.thresholdPct"],
      [settings({ params: { thresholdPct: 50, window: 1e9, minSample: 5 } }), "params.window"],
      [settings({ params: { thresholdPct: Number.NaN, window: 10, minSample: 5 } }), "params.thresholdPct"],
      [settings({ params: { thresholdPct: 50, window: 10, minSample: 5, __proto__: { admin: true }, extra: 1 } }), "params"],
      [settings({ mode: "enforce" }), "mode"],
      [settings({ coolDownMinutes: -5 }), "coolDownMinutes"],
      [settings({ coolDownMinutes: "15" }), "coolDownMinutes"],
      [settings({ halfOpen: "yes" }), "halfOpen"],
      [{ ...settings(), state: "OPEN" }, ""],
      [null, ""],
      ["a string", ""],
      [[settings()], ""],
    ];
    for (const [input, path] of cases) {
      const error = await appErrorOf(execute(createBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, settings: input }));
      expect(error.code, JSON.stringify(input)?.slice(0, 80)).toBe("bad_request:breaker");
      if (path) expect(JSON.stringify(error.details), path).toContain(`"path":"${path}`);
    }
    expect(await db.breaker.count({ where: { agentId: agent.id } })).toBe(0);
  });

  it("unknown agents and breakers, another agent's breaker and malformed ids are not found", async () => {
    const agent = await newAgent();
    const other = await newAgent();
    const theirs = await newBreaker(other, { condition: "LOOPS", params: { runs: 2, windowMinutes: 5 } });
    expect((await appErrorOf(execute(createBreakerCommand, SYSTEM_ACTOR, { agent: unique("nobody"), settings: settings() }))).code).toBe("not_found:agent");
    expect((await appErrorOf(execute(createBreakerCommand, SYSTEM_ACTOR, { agent: "x".repeat(201), settings: settings() }))).code).toBe("bad_request:agent_name");
    for (const breakerId of [theirs.id, "cnotabreaker000000000000x", "'; DROP TABLE \"Breaker\"; --", ""]) {
      expect((await appErrorOf(execute(updateBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, breakerId, changes: { enabled: false } }))).code).toBe("not_found:breaker");
      expect((await appErrorOf(execute(deleteBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, breakerId }))).code).toBe("not_found:breaker");
    }
    expect(await db.breaker.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({ enabled: true });
  });

  it("concurrent creates of one name make one breaker; the per-agent limit holds under concurrency", async () => {
    const agent = await newAgent();
    const name = unique("same");
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => execute(createBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, settings: settings({ name }) })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as { code?: string }).code).toBe("conflict:breaker_exists");
    const many = await Promise.allSettled(Array.from({ length: MAX_BREAKERS_PER_AGENT + 5 }, () => execute(createBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, settings: settings() })));
    expect(many.filter((r) => r.status === "fulfilled")).toHaveLength(MAX_BREAKERS_PER_AGENT - 1);
    expect(await db.breaker.count({ where: { agentId: agent.id } })).toBe(MAX_BREAKERS_PER_AGENT);
  });

  it("concurrent updates and deletes: each applies whole, a deleted breaker is then not found", async () => {
    const agent = await newAgent();
    const b = await newBreaker(agent, { condition: "LOOPS", params: { runs: 2, windowMinutes: 5 } });
    await Promise.all(Array.from({ length: 6 }, (_, i) => execute(updateBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, breakerId: b.id, changes: { coolDownMinutes: i + 1 } })));
    expect((await db.breaker.findUniqueOrThrow({ where: { id: b.id } })).coolDownMinutes).toBeGreaterThan(0);
    const deletes = await Promise.allSettled(Array.from({ length: 4 }, () => execute(deleteBreakerCommand, SYSTEM_ACTOR, { agent: agent.name, breakerId: b.id })));
    expect(deletes.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.auditEvent.count({ where: { action: "breaker.delete", targetId: b.id } })).toBe(1);
  });
});
