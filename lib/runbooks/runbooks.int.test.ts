/**
 * Runbooks against the real database: an agent's runbook versioned on each
 * edit (and audited), concurrent edits getting distinct versions, a stale
 * editor refused, the server action per role and against hostile input, and
 * policies' runbooks read from their versions (change control) for the
 * escalation page.
 */
import "@/lib/changes/appliers";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { createSession } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { setPolicy } from "@/lib/escalations/policies/commands";
import { DEFAULT_STATE } from "@/lib/escalations/policies/schemas";
import { newPolicy, person, unique } from "@/lib/escalations/test-support";
import type { Role } from "@/lib/rbac";
import { appErrorOf } from "@/tests/support/app-error";
import { updateAgentRunbookAction, type UpdateRunbookState } from "./actions";
import { updateAgentRunbook } from "./commands";
import { runbookForAgentName, runbookForEscalation, runbookHistory, runbookOf } from "./queries";
import { LEGACY_RUNBOOK_MESSAGE, RUNBOOK_MAX_CHARS } from "./schemas";

// The server action runs as whoever `auth()` says is signed in: a real Session row of a real user.
const signedIn = vi.hoisted(() => ({ session: null as null | { user: { id: string }; sessionId: string } }));
vi.mock("@/lib/auth", () => ({ auth: async () => signedIn.session }));
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

type Person = Awaited<ReturnType<typeof person>>;
const ROLES: Role[] = ["ADMIN", "OPS_LEAD", "COMPLIANCE", "FINANCE", "VIEWER"];
let people: Record<Role, Person>;
let sessions: Record<Role, string>;

beforeAll(async () => {
  people = {} as Record<Role, Person>;
  sessions = {} as Record<Role, string>;
  for (const role of ROLES) {
    people[role] = await person(role, `rb-${role.toLowerCase()}`);
    sessions[role] = await createSession(db, { userId: people[role].id });
  }
});

beforeEach(() => {
  signedIn.session = null;
});

const signInAs = (role: Role) => {
  signedIn.session = { user: { id: people[role].id }, sessionId: sessions[role] };
};

async function newAgent(runbook: string | null = null) {
  return db.agent.create({ data: { name: unique("rb-agent"), runbook }, select: { id: true, name: true } });
}

function form(fields: Record<string, string | Blob>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

const save = (fields: Record<string, string | Blob>): Promise<UpdateRunbookState> => updateAgentRunbookAction({ status: "idle" }, form(fields));
const versionsOf = (agentId: string) => db.runbookVersion.findMany({ where: { targetType: "AGENT", targetId: agentId }, orderBy: { version: "asc" } });

describe("an agent's runbook", () => {
  it("is versioned on each edit, with who, when and why, and audited with sizes and versions", async () => {
    const agent = await newAgent();
    const ops = people.OPS_LEAD;
    expect(await runbookOf("AGENT", agent.id)).toMatchObject({ body: null, version: 0, updatedBy: null });

    const first = await updateAgentRunbook(ops, { agentId: agent.id, body: "# Check\n\n- the ledger", message: "first cut" });
    expect(first).toEqual({ agentId: agent.id, agentName: agent.name, version: 1, changed: true });
    const second = await updateAgentRunbook(people.ADMIN, { agentId: agent.id, body: "# Check\n\n- the ledger\n- call finance on-call", message: null, baseVersion: 1 });
    expect(second.version).toBe(2);

    expect(await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { runbook: true } })).toEqual({ runbook: "# Check\n\n- the ledger\n- call finance on-call" });
    expect(await runbookOf("AGENT", agent.id)).toMatchObject({ body: "# Check\n\n- the ledger\n- call finance on-call", version: 2, updatedBy: people.ADMIN.label, message: null });
    const history = await runbookHistory("AGENT", agent.id);
    expect(history.older).toBe(0);
    expect(history.versions.map((v) => [v.version, v.createdBy, v.message, v.body])).toEqual([
      [2, people.ADMIN.label, null, "# Check\n\n- the ledger\n- call finance on-call"],
      [1, ops.label, "first cut", "# Check\n\n- the ledger"],
    ]);

    const [one, two] = ["# Check\n\n- the ledger".length, "# Check\n\n- the ledger\n- call finance on-call".length];
    const events = await db.auditEvent.findMany({ where: { action: "runbook.update", targetId: agent.id }, orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.actorLabel, e.targetType, e.before, e.after])).toEqual([
      [ops.label, "agent", { version: 0, chars: 0 }, { version: 1, chars: one }],
      [people.ADMIN.label, "agent", { version: 1, chars: one }, { version: 2, chars: two }],
    ]);
    expect(events[0]!.metadata).toMatchObject({ agent: agent.name, message: "first cut" });
  });

  it("records nothing when the text did not change", async () => {
    const agent = await newAgent();
    await updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "same", message: null });
    const again = await updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "same", message: "again" });
    expect(again).toMatchObject({ version: 1, changed: false });
    expect(await versionsOf(agent.id)).toHaveLength(1);
    expect(await db.auditEvent.count({ where: { action: "runbook.update", targetId: agent.id } })).toBe(1);
  });

  it("keeps a runbook written before versioning as version 1 on the first edit", async () => {
    const agent = await newAgent("Call Dana on +1 555 0100.");
    expect(await runbookOf("AGENT", agent.id)).toMatchObject({ body: "Call Dana on +1 555 0100.", version: 0, message: LEGACY_RUNBOOK_MESSAGE });
    const saved = await updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "Call Sam on +1 555 0199.", message: "Dana moved teams", baseVersion: 0 });
    expect(saved.version).toBe(2);
    expect((await versionsOf(agent.id)).map((v) => [v.version, v.body, v.createdByName])).toEqual([
      [1, "Call Dana on +1 555 0100.", null],
      [2, "Call Sam on +1 555 0199.", people.OPS_LEAD.label],
    ]);
  });

  it("can be cleared (a version with no text) and the old text stays in the history", async () => {
    const agent = await newAgent();
    await updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "old", message: null });
    await updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "", message: "obsolete" });
    expect(await runbookOf("AGENT", agent.id)).toMatchObject({ body: null, version: 2 });
    expect((await db.agent.findUniqueOrThrow({ where: { id: agent.id } })).runbook).toBeNull();
    expect((await runbookHistory("AGENT", agent.id)).versions.map((v) => v.body)).toEqual(["", "old"]);
  });

  it("gives concurrent edits distinct, consecutive versions, and the body shown is the last one's", async () => {
    const agent = await newAgent();
    const editors = [people.OPS_LEAD, people.ADMIN];
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => updateAgentRunbook(editors[i % 2]!, { agentId: agent.id, body: `edit ${i}`, message: `editor ${i}` })),
    );
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const versions = await versionsOf(agent.id);
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const current = await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { runbook: true } });
    expect(current.runbook).toBe(versions[7]!.body);
    expect(await db.auditEvent.count({ where: { action: "runbook.update", targetId: agent.id } })).toBe(8);
  });

  it("refuses a save on top of a version newer than the editor's, and of two editors starting from the same version only one wins", async () => {
    const agent = await newAgent();
    await updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "v1", message: null });
    await updateAgentRunbook(people.ADMIN, { agentId: agent.id, body: "v2", message: null, baseVersion: 1 });
    const stale = await appErrorOf(updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "mine", message: null, baseVersion: 1 }));
    expect(stale.code).toBe("conflict:runbook");
    expect(stale.message).toContain(`${people.ADMIN.label} saved version 2`);

    const race = await Promise.allSettled([
      updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "a", message: null, baseVersion: 2 }),
      updateAgentRunbook(people.ADMIN, { agentId: agent.id, body: "b", message: null, baseVersion: 2 }),
    ]);
    expect(race.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const lost = race.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: "conflict:runbook" });
    expect((await versionsOf(agent.id)).map((v) => v.version)).toEqual([1, 2, 3]);
  });

  it("answers not found for an agent that does not exist, and API keys and the unknown may not edit", async () => {
    expect((await appErrorOf(updateAgentRunbook(people.OPS_LEAD, { agentId: "c" + "0".repeat(24), body: "x", message: null }))).code).toBe("not_found:agent");
    const agent = await newAgent();
    const secret = generateApiKey();
    const key = await db.apiKey.create({ data: { name: unique("rb key"), prefix: secret.slice(0, 9), hash: hashApiKey(secret), scopes: ["admin"] } });
    const keyActor: Actor = { type: "API_KEY", id: key.id, label: key.name };
    expect((await appErrorOf(updateAgentRunbook(keyActor, { agentId: agent.id, body: "x", message: null }))).code).toBe("forbidden:api_key");
    const ghost: Actor = { type: "USER", id: "c" + "1".repeat(24), label: "ghost@example.com" };
    expect((await appErrorOf(updateAgentRunbook(ghost, { agentId: agent.id, body: "x", message: null }))).code).toBe("unauthorized:session");
    // A role that lost agents:write since the page was rendered.
    expect((await appErrorOf(updateAgentRunbook(people.VIEWER, { agentId: agent.id, body: "x", message: null }))).code).toBe("forbidden:agents:write");
    expect(await versionsOf(agent.id)).toHaveLength(0);
    // The system (boot, seed) may.
    expect((await updateAgentRunbook(SYSTEM_ACTOR, { agentId: agent.id, body: "seeded", message: null })).version).toBe(1);
  });

  it("is read by agent name for the run timeline, with the agent's status", async () => {
    const agent = await newAgent();
    await db.agent.update({ where: { id: agent.id }, data: { status: "TRIPPED", statusReason: "tool errors" } });
    await updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "Restart the connector.", message: null });
    expect(await runbookForAgentName(agent.name)).toMatchObject({
      agent: { id: agent.id, name: agent.name, status: "TRIPPED", statusReason: "tool errors" },
      runbook: { body: "Restart the connector.", version: 1 },
    });
    expect(await runbookForAgentName(unique("nobody"))).toBeNull();
    expect(await runbookForAgentName("x".repeat(500))).toBeNull();
    expect(await runbookOf("AGENT", "not-an-id")).toBeNull();
    expect(await runbookHistory("AGENT", "'; DROP TABLE \"Agent\"; --")).toEqual({ versions: [], older: 0 });
  });
});

describe("the edit action", () => {
  const allowed: Record<Role, boolean> = { ADMIN: true, OPS_LEAD: true, COMPLIANCE: false, FINANCE: false, VIEWER: false };
  for (const role of ROLES) {
    it(`${allowed[role] ? "lets" : "refuses"} ${role}`, async () => {
      const agent = await newAgent();
      signInAs(role);
      const state = await save({ agentId: agent.id, body: `# ${role} was here`, message: "per role", baseVersion: "0" });
      if (allowed[role]) {
        expect(state).toMatchObject({ status: "success", message: "Saved as version 1.", data: { version: 1, changed: true } });
        expect((await versionsOf(agent.id)).map((v) => [v.createdById, v.message])).toEqual([[people[role].id, "per role"]]);
      } else {
        expect(state.status).toBe("error");
        expect(state.message).toMatch(new RegExp(`Your role \\(${role}\\) is not allowed.*agents:write`));
        expect(await versionsOf(agent.id)).toHaveLength(0);
        expect((await db.agent.findUniqueOrThrow({ where: { id: agent.id } })).runbook).toBeNull();
      }
    });
  }

  it("refuses the signed-out", async () => {
    const agent = await newAgent();
    const state = await save({ agentId: agent.id, body: "x" });
    expect(state).toMatchObject({ status: "error", message: expect.stringMatching(/session has ended/) });
    expect(await versionsOf(agent.id)).toHaveLength(0);
  });

  it("refuses hostile input with a field error or a message, and writes nothing", async () => {
    const agent = await newAgent();
    signInAs("OPS_LEAD");
    const oversized = await save({ agentId: agent.id, body: "x".repeat(RUNBOOK_MAX_CHARS + 1) });
    expect(oversized).toMatchObject({ status: "invalid", errors: { body: [expect.stringMatching(/at most 20,000/)] } });
    const nul = await save({ agentId: agent.id, body: "call\u0000me" });
    expect(nul).toMatchObject({ status: "invalid", errors: { body: [expect.stringMatching(/NUL/)] } });
    const nulMessage = await save({ agentId: agent.id, body: "ok", message: "why\u0000" });
    expect(nulMessage).toMatchObject({ status: "invalid", errors: { message: [expect.stringMatching(/NUL/)] } });
    const file = await save({ agentId: agent.id, body: new Blob(["# file"], { type: "text/markdown" }) });
    expect(file).toMatchObject({ status: "invalid", errors: { body: [expect.any(String)] } });
    const missing = await save({ agentId: agent.id });
    expect(missing.status).toBe("invalid");
    for (const agentId of ["", "x", "../../etc/passwd", "c" + "Z".repeat(24)]) {
      expect(await save({ agentId, body: "x" }), agentId).toMatchObject({ status: "error", message: expect.stringMatching(/reload the page/) });
    }
    expect(await save({ agentId: agent.id, body: "x", baseVersion: "-1" })).toMatchObject({ status: "error" });
    expect(await save({ agentId: "c" + "9".repeat(24), body: "x" })).toMatchObject({ status: "error", message: expect.stringMatching(/no such agent/) });
    expect(await versionsOf(agent.id)).toHaveLength(0);
    // And a fine one still goes through; the text is kept as sent (markdown, not HTML).
    const ok = await save({ agentId: agent.id, body: "<script>alert(1)</script>\r\n[x](javascript:alert(1))", message: "" });
    expect(ok.status).toBe("success");
    expect((await versionsOf(agent.id))[0]).toMatchObject({ body: "<script>alert(1)</script>\n[x](javascript:alert(1))", message: null });
  });

  it("answers a stale editor with the conflict, as a message", async () => {
    const agent = await newAgent();
    await updateAgentRunbook(people.ADMIN, { agentId: agent.id, body: "theirs", message: null });
    signInAs("OPS_LEAD");
    const state = await save({ agentId: agent.id, body: "mine", baseVersion: "0" });
    expect(state).toMatchObject({ status: "error", message: expect.stringMatching(/saved version 1 of this runbook while you were editing/) });
    expect((await save({ agentId: agent.id, body: "theirs", baseVersion: "1" })).message).toMatch(/Nothing changed/);
  });
});

describe("a policy's runbook", () => {
  it("is versioned with the policy (change control): its history lists the policy versions that changed it, with the change's reason", async () => {
    const agent = await newAgent();
    const compliance = people.COMPLIANCE;
    const name = unique("rb policy");
    const tool = `rbtest.${unique("tool")}`;
    await newPolicy(compliance, name, { agent: agent.name, toolPattern: tool, runbook: "Check the invoice." });
    const policy = await db.policy.findUniqueOrThrow({ where: { name }, select: { id: true } });
    const state = { ...DEFAULT_STATE, agent: agent.name, toolPattern: tool };
    // v2 changes the runbook, v3 only the SLA (tighter): the runbook's version stays 2.
    await setPolicy(compliance, { name, state: { ...state, runbook: "Check the invoice.\n\nCall finance: +1 555 0100." }, reason: "add the on-call number", expect: "present" });
    await setPolicy(compliance, { name, state: { ...state, runbook: "Check the invoice.\n\nCall finance: +1 555 0100.", slaMinutes: 30 }, reason: "faster SLA", expect: "present" });

    expect(await runbookOf("POLICY", policy.id)).toMatchObject({ target: "POLICY", body: "Check the invoice.\n\nCall finance: +1 555 0100.", version: 2, updatedBy: compliance.label, message: "add the on-call number" });
    const history = await runbookHistory("POLICY", policy.id);
    expect(history.versions.map((v) => [v.version, v.message, v.body])).toEqual([
      [2, "add the on-call number", "Check the invoice.\n\nCall finance: +1 555 0100."],
      [1, "test", "Check the invoice."],
    ]);

    // The escalation page reads both: the policy's and the agent's.
    await updateAgentRunbook(people.OPS_LEAD, { agentId: agent.id, body: "Pause the agent if it loops.", message: null });
    const escalation = await db.escalation.create({ data: { agentId: agent.id, agentName: agent.name, tool, policyId: policy.id, policyName: name, policyVersion: 3 }, select: { id: true } });
    expect(await runbookForEscalation(escalation.id)).toMatchObject({
      policy: { policy: { id: policy.id, name, removed: false }, runbook: { body: "Check the invoice.\n\nCall finance: +1 555 0100.", version: 2 } },
      agent: { agent: { id: agent.id, name: agent.name, status: "ACTIVE" }, runbook: { body: "Pause the agent if it loops.", version: 1 } },
    });
    // An agent no longer on record, no policy: nothing to show.
    const orphan = await db.escalation.create({ data: { agentName: unique("gone"), tool }, select: { id: true } });
    expect(await runbookForEscalation(orphan.id)).toEqual({ policy: null, agent: null });
    expect(await runbookForEscalation("c" + "2".repeat(24))).toBeNull();
    expect(await runbookForEscalation("nope")).toBeNull();

    // Removed: the runbook it had stays readable (and a removal is not a runbook edit).
    await setPolicy(compliance, { name, state: null, reason: "retired", expect: "present" }).catch(() => undefined);
    expect((await runbookHistory("POLICY", policy.id)).versions).toHaveLength(2);
  });
});
