/**
 * Policies against the real database: the HTTP routes (field names as in the
 * contract, scopes, hostile input), change control (tightening applies at
 * once, loosening waits for a second person; versions recorded; rollback),
 * and the history trial counted from stored tool calls.
 */
import "@/lib/changes/appliers";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as listRoute, POST as createRoute } from "@/app/api/v1/policies/route";
import { DELETE as deleteRoute, GET as getRoute, PATCH as patchRoute } from "@/app/api/v1/policies/[id]/route";
import { POST as trialRoute } from "@/app/api/v1/policies/trial/route";
import { approveChange, rollbackChange } from "@/lib/changes/commands";
import { db } from "@/lib/db";
import { appErrorOf } from "@/tests/support/app-error";
import { randomTraceId } from "@/tests/factories/otlp";
import { agentInTeam, apiKey, idParams, ingest, json, newPolicy, noParams, person, request, toolCall, unique } from "../test-support";
import { setPolicy } from "./commands";
import { DEFAULT_STATE } from "./schemas";
import { tryPolicy } from "./trial";

let people: Record<"compliance" | "compliance2" | "admin" | "ops" | "viewer" | "finance", Awaited<ReturnType<typeof person>>>;
let adminKey: Awaited<ReturnType<typeof apiKey>>;
let requestKey: Awaited<ReturnType<typeof apiKey>>;

beforeAll(async () => {
  people = {
    compliance: await person("COMPLIANCE", "pol-compliance"),
    compliance2: await person("COMPLIANCE", "pol-compliance2"),
    admin: await person("ADMIN", "pol-admin"),
    ops: await person("OPS_LEAD", "pol-ops"),
    viewer: await person("VIEWER", "pol-viewer"),
    finance: await person("FINANCE", "pol-finance"),
  };
  adminKey = await apiKey(["admin"], people.admin);
  requestKey = await apiKey(["escalations:request"]);
});

const create = async (body: unknown, key = adminKey.key) => json(await createRoute(request("POST", "/api/v1/policies", key, body), noParams));
const patch = async (id: string, body: unknown, key = adminKey.key) => json(await patchRoute(request("PATCH", `/api/v1/policies/${id}`, key, body), idParams(id)));

describe("policies through the API", () => {
  it("creates a policy at once (201) with the contract's fields and version 1", async () => {
    const { team } = await agentInTeam();
    const name = unique("Payments over 10k");
    const { status, body } = await create({ name, team, toolPattern: "erp.pay*", argument: "amount", threshold: 10_000, requiredApprovals: 2, slaMinutes: 30 });
    expect(status).toBe(201);
    expect(body.change).toMatchObject({ status: "applied", loosens: [] });
    expect(body.policy).toMatchObject({
      name, agent: null, team, toolPattern: "erp.pay*", argument: "amount", threshold: 10_000, minConfidence: null, onLoop: false, onBudgetExceeded: false,
      requiredApprovals: 2, deciderRole: "compliance", slaMinutes: 30, timeoutAction: "reject", runbook: null, version: 1, enabled: true, pendingChange: null,
    });
    expect((await create({ name, team })).status).toBe(409);
    const list = await json(await listRoute(request("GET", "/api/v1/policies", adminKey.key), noParams));
    expect((list.body.data as { name: string }[]).map((p) => p.name)).toContain(name);
  });

  it("applies tightening at once (200) and holds loosening for a second person (202), saying why; versions follow", async () => {
    const { team } = await agentInTeam();
    const { body } = await create({ name: unique("pay"), team, toolPattern: "erp.pay*", argument: "amount", threshold: 10_000 });
    const id = (body.policy as { id: string }).id;
    const lower = await patch(id, { threshold: 5_000, reason: "audit finding" });
    expect(lower.status).toBe(200);
    expect(lower.body.policy).toMatchObject({ threshold: 5_000, version: 2 });
    const raise = await patch(id, { threshold: 50_000, timeoutAction: "approve" });
    expect(raise.status).toBe(202);
    expect(raise.body.change).toMatchObject({ status: "pending", loosens: ["raises the threshold (5000 → 50000)", "approves at the deadline"] });
    expect(raise.body.policy).toMatchObject({ threshold: 5_000, version: 2, pendingChange: { id: (raise.body.change as { id: string }).id } });
    // The key's creator proposed it: someone else approves.
    expect((await appErrorOf(approveChange(people.admin, { changeId: (raise.body.change as { id: string }).id, comment: "ok" }))).code).toBe("forbidden:four_eyes");
    await approveChange(people.compliance, { changeId: (raise.body.change as { id: string }).id, comment: "ok for the pilot" });
    expect((await json(await getRoute(request("GET", `/api/v1/policies/${id}`, adminKey.key), idParams(id)))).body).toMatchObject({ threshold: 50_000, timeoutAction: "approve", version: 3 });
    expect(await db.policyVersion.findMany({ where: { policyId: id }, orderBy: { version: "asc" }, select: { version: true, state: true } })).toEqual([
      { version: 1, state: expect.objectContaining({ threshold: 10_000 }) },
      { version: 2, state: expect.objectContaining({ threshold: 5_000 }) },
      { version: 3, state: expect.objectContaining({ threshold: 50_000 }) },
    ]);
    const removal = await json(await deleteRoute(request("DELETE", `/api/v1/policies/${id}`, adminKey.key), idParams(id)));
    expect(removal.status).toBe(202);
  });

  it("records the version that caught each escalation, and a rollback is one more version", async () => {
    const { agent, team } = await agentInTeam();
    const name = unique("versioned");
    await newPolicy(people.compliance, name, { team, toolPattern: "erp.*", argument: "amount", threshold: 100 });
    const tighter = await setPolicy(people.compliance, { name, state: { ...DEFAULT_STATE, team, toolPattern: "erp.*", argument: "amount", threshold: 50 }, reason: "tighter" });
    expect(tighter.applied).toBe(true);
    const { requestClearance } = await import("../request");
    const caught = await requestClearance(requestKey.actor, { agent, tool: "erp.pay", arguments: { amount: 60 } });
    expect(caught).toMatchObject({ status: "pending", policy: name, policyVersion: 2 });
    await rollbackChange(people.compliance2, { changeId: tighter.change.id, reason: "too strict" });
    const after = await requestClearance(requestKey.actor, { agent, tool: "erp.pay", arguments: { amount: 60 } });
    expect(after.status).toBe("cleared");
    expect((await db.policy.findUniqueOrThrow({ where: { name } })).version).toBe(3);
  });

  it("lets compliance and admins set policies, and refuses ops leads, finance and viewers", async () => {
    for (const [role, allowed] of [["compliance", true], ["admin", true], ["ops", false], ["finance", false], ["viewer", false]] as const) {
      const attempt = newPolicy(people[role], unique(role), { agent: null, toolPattern: `never.${role}.*` });
      if (allowed) await expect(attempt).resolves.toMatchObject({ applied: true });
      else expect((await appErrorOf(attempt)).type).toBe("forbidden");
    }
  });

  it("refuses non-admin keys, no key, malformed bodies (naming the field), unknown targets and ids", async () => {
    for (const [key, status] of [[requestKey.key, 403], [null, 401]] as const) {
      expect((await create({ name: unique("x") }, key as string)).status).toBe(status);
    }
    for (const [body, path] of [
      [{ name: unique("x"), threshold: 5 }, "argument"],
      [{ name: unique("x"), requiredApprovals: 5 }, "requiredApprovals"],
      [{ name: unique("x"), timeoutAction: "explode" }, "timeoutAction"],
      [{ name: "", toolPattern: "a" }, "name"],
      [{ name: unique("x"), escalationChain: "soon" }, "escalationChain"],
      [{ name: unique("x"), threshold: "10k", argument: "amount" }, "threshold"],
    ] as const) {
      const { status, body: answer } = await create(body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect((answer.error as unknown as { details: { path: string }[] }).details.map((d) => d.path)).toContain(path);
    }
    expect((await create({ name: unique("x"), agent: "no-such-agent" })).status).toBe(404);
    expect((await patch("nope", { threshold: 1 })).status).toBe(400);
    expect((await patch("c" + "9".repeat(24), { threshold: 1 })).status).toBe(404);
  });
});

describe("trying a policy against history", () => {
  it("counts the stored tool calls it would have stopped, by agent, with examples, and only those", async () => {
    const a = await agentInTeam();
    const b = await agentInTeam();
    const tool = `erp.trial_${unique("t").replace(/-/g, "_")}`;
    const calls = [
      toolCall(a.traceId, a.agent, tool, { amount: 20_000 }),
      toolCall(a.traceId, a.agent, tool, { amount: "15000" }),
      toolCall(a.traceId, a.agent, tool, { amount: 10 }),
      toolCall(b.traceId, b.agent, tool, { amount: 11_000 }),
      toolCall(b.traceId, b.agent, `${tool}_other`, { amount: 99_000 }),
      toolCall(randomTraceId(), b.agent, tool, { amount: 50_000 }, { startedAt: new Date(Date.now() - 40 * 86_400_000) }),
    ];
    await ingest(calls);
    const policy = { ...DEFAULT_STATE, toolPattern: tool, argument: "amount", threshold: 10_000 };
    const result = await tryPolicy(policy);
    expect(result).toMatchObject({ stopped: 3, agents: 2, truncated: false });
    expect(result.summary).toBe("Over the last 30 days this policy would have stopped 3 tool calls of 2 agents.");
    expect(result.byAgent).toEqual([{ agent: a.agent, calls: 2 }, { agent: b.agent, calls: 1 }]);
    expect(result.examples.map((e) => e.reasons[0])).toEqual(expect.arrayContaining(["amount 20,000 is above 10,000", "amount 11,000 is above 10,000"]));
    expect((await tryPolicy({ ...policy, agent: b.agent })).stopped).toBe(1);

    const { status, body } = await json(await trialRoute(request("POST", "/api/v1/policies/trial", adminKey.key, { toolPattern: tool, argument: "amount", threshold: 15_000 }), noParams));
    expect(status).toBe(200);
    expect(body).toMatchObject({ stopped: 1, agents: 1 });
    expect((await json(await trialRoute(request("POST", "/api/v1/policies/trial", adminKey.key, { argument: "amount" }), noParams))).status).toBe(400);
  });
});
