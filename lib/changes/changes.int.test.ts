/**
 * Change control against the real database: protected and unprotected label
 * moves through the HTTP API, four eyes, stale approvals, rollback (and its
 * rollback), the concurrency cases where exactly one action must win, agent
 * configuration versions, scopes per role and key, webhook events, and the
 * canary split served by the prompt API.
 */
import "@/lib/changes/appliers";
import { randomBytes } from "node:crypto";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/prompts/[name]/route";
import { GET as getLabels, POST as postLabel } from "@/app/api/v1/prompts/[name]/labels/route";
import { proposeAgentConfig, setConfigProtected } from "@/lib/agents/config";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { createPromptVersion } from "@/lib/prompts/commands";
import { moveLabel, setProtectedLabels } from "@/lib/prompts/labels";
import { servePrompt } from "@/lib/prompts/serve";
import { newPromptVersionSchema } from "@/lib/prompts/schemas";
import type { Role } from "@/lib/rbac";
import { createUser } from "@/lib/users/commands";
import { appErrorOf } from "@/tests/support/app-error";
const hex = () => randomBytes(2).toString("hex");
import { approveChange, cancelChange, rejectChange, rollbackChange } from "./commands";

const suffix = randomBytes(3).toString("hex");
const unique = (base: string) => `${base}-${suffix}-${hex()}`;
const writeKey = generateApiKey();
const adminKey = generateApiKey();
const readKey = generateApiKey();
const ingestKey = generateApiKey();
const people: Record<string, Actor> = {};

async function person(role: Role, tag: string): Promise<Actor> {
  const user = await createUser(SYSTEM_ACTOR, { email: `${tag}-${suffix}@example.com`, name: tag, role, password: "correct horse battery" });
  return { type: "USER", id: user.id, label: user.email };
}

beforeAll(async () => {
  people.ops = await person("OPS_LEAD", "ops");
  people.ops2 = await person("OPS_LEAD", "ops2");
  people.compliance = await person("COMPLIANCE", "compliance");
  people.compliance2 = await person("COMPLIANCE", "compliance2");
  people.admin = await person("ADMIN", "admin");
  people.viewer = await person("VIEWER", "viewer");
  people.finance = await person("FINANCE", "finance");
  await db.apiKey.createMany({
    data: [
      { name: `writer ${suffix}`, prefix: writeKey.slice(0, 9), hash: hashApiKey(writeKey), scopes: ["prompts:read", "prompts:write"], createdById: people.compliance.id! },
      { name: `admin ${suffix}`, prefix: adminKey.slice(0, 9), hash: hashApiKey(adminKey), scopes: ["admin"] },
      { name: `reader ${suffix}`, prefix: readKey.slice(0, 9), hash: hashApiKey(readKey), scopes: ["prompts:read"] },
      { name: `ingest ${suffix}`, prefix: ingestKey.slice(0, 9), hash: hashApiKey(ingestKey), scopes: ["ingest"] },
    ],
  });
});

const version = (template: string) => newPromptVersionSchema.parse({ template, config: {}, message: template });

/** A prompt with `n` versions (v1…vn), production on v1 (moved by an admin, so nothing waits). */
async function promptWith(n: number, base = "cc"): Promise<string> {
  const name = unique(base);
  for (let i = 1; i <= n; i++) await createPromptVersion(people.ops!, name, version(`${name} v${i}`));
  await setProtectedLabels(people.admin!, name, []);
  await moveLabel(people.ops!, { prompt: name, label: "production", version: 1, canary: null, reason: "first release" });
  await setProtectedLabels(people.admin!, name, ["production"]);
  return name;
}

const labelRequest = (name: string, body: unknown, key = writeKey) =>
  postLabel(
    new NextRequest(`http://localhost/api/v1/prompts/${name}/labels`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    { params: Promise.resolve({ name }) },
  );

const fetchPrompt = (name: string, query: string, key = readKey) =>
  GET(new NextRequest(`http://localhost/api/v1/prompts/${name}${query}`, { headers: { Authorization: `Bearer ${key}` } }), { params: Promise.resolve({ name }) });

async function served(name: string, query = "?label=production"): Promise<number> {
  const response = await fetchPrompt(name, query);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { version: number };
  expect(response.headers.get("x-flightdeck-prompt-version")).toBe(String(body.version));
  return body.version;
}


async function propose(name: string, to: number, actor: Actor = people.ops!) {
  const { change, applied } = await moveLabel(actor, { prompt: name, label: "production", version: to, canary: null, reason: `to v${to}` });
  expect(applied).toBe(false);
  return change.id;
}

describe("label moves through the API", () => {
  it("moves an unprotected label at once (200), with its history row and an applied change", async () => {
    const name = await promptWith(2);
    const response = await labelRequest(name, { label: "staging", version: 2 });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ name, label: "staging", version: 2, canary: null, change: { status: "applied" } });
    expect(await served(name, "?label=staging")).toBe(2);
    const moves = await db.promptLabelMove.findMany({ where: { prompt: { name }, label: "staging" } });
    expect(moves).toEqual([expect.objectContaining({ version: 2, fromVersion: null, changeId: body.change.id, movedByName: `writer ${suffix}` })]);
    const change = await db.change.findUniqueOrThrow({ where: { id: body.change.id } });
    expect(change).toMatchObject({ status: "APPLIED", kind: "PROMPT_LABEL", targetId: `${name}:staging` });
    const audit = await db.auditEvent.findFirst({ where: { targetType: "change", targetId: body.change.id } });
    expect(audit).toMatchObject({ action: "change.apply", actorType: "API_KEY" });
  });

  it("only proposes a protected label (202), even with an admin key; the label stays", async () => {
    const name = await promptWith(2);
    for (const key of [writeKey, adminKey]) {
      const response = await labelRequest(name, { label: "production", version: 2, reason: "ship v2" }, key);
      expect(response.status).toBe(key === writeKey ? 202 : 409);
      if (key === writeKey) {
        const body = await response.json();
        expect(body.change).toMatchObject({ status: "pending", requiredApprovals: 1, url: `/changes/${body.change.id}` });
      } else {
        expect((await response.json()).error.code).toBe("conflict:change_pending");
      }
    }
    expect(await served(name)).toBe(1);
  });

  it("answers 400 for malformed bodies and 404 for unknown prompts or versions, moving nothing", async () => {
    const name = await promptWith(2);
    const cases: [unknown, number, string][] = [
      ["{not json", 400, "bad_request:json"],
      [{ label: "production" }, 400, "bad_request:prompt_label"],
      [{ label: "production", version: "2" }, 400, "bad_request:prompt_label"],
      [{ label: "Prod uction", version: 2 }, 400, "bad_request:prompt_label"],
      [{ label: "staging", version: 2, canary: { version: 1, weight: 100 } }, 400, "bad_request:prompt_label"],
      [{ label: "staging", version: 2, canary: { version: 2, weight: 10 } }, 400, "bad_request:prompt_label"],
      [{ label: "staging", version: 2, extra: true }, 400, "bad_request:prompt_label"],
      [{ label: "staging", version: 2, reason: "x".repeat(5000) }, 400, "bad_request:prompt_label"],
      [{ label: "staging", version: 1.5 }, 400, "bad_request:prompt_label"],
      [{ label: "staging", version: 99 }, 404, "not_found:prompt_version"],
      [{ label: "staging", version: 1, canary: { version: 42, weight: 5 } }, 404, "not_found:prompt_version"],
    ];
    for (const [body, status, code] of cases) {
      const response = await labelRequest(name, body);
      expect([JSON.stringify(body), response.status]).toEqual([JSON.stringify(body), status]);
      expect((await response.json()).error.code).toBe(code);
    }
    const unknown = await labelRequest(`nope-${suffix}`, { label: "staging", version: 1 });
    expect(unknown.status).toBe(404);
    expect(await db.promptLabel.count({ where: { prompt: { name }, name: "staging" } })).toBe(0);
    expect(await db.change.count({ where: { targetId: { startsWith: `${name}:` }, NOT: { reason: "first release" } } })).toBe(0);
  });

  it("refuses keys without prompts:write (403) and no key (401)", async () => {
    const name = await promptWith(2);
    expect((await labelRequest(name, { label: "staging", version: 2 }, readKey)).status).toBe(403);
    expect((await labelRequest(name, { label: "staging", version: 2 }, ingestKey)).status).toBe(403);
    expect((await labelRequest(name, { label: "staging", version: 2 }, "fd_nonsense")).status).toBe(401);
  });

  it("refuses moving a label to where it already points (409)", async () => {
    const name = await promptWith(1);
    const response = await labelRequest(name, { label: "production", version: 1 });
    expect(response.status).toBe(409);
    expect((await response.json()).error.code).toBe("conflict:change_no_op");
  });
});

describe("label history through the API", () => {
  const history = (name: string, query = "", key = readKey) =>
    getLabels(new NextRequest(`http://localhost/api/v1/prompts/${name}/labels${query}`, { headers: { Authorization: `Bearer ${key}` } }), { params: Promise.resolve({ name }) });

  it("lists the labels now and every move, newest first, with who and which change; one label or the newest N", async () => {
    const name = await promptWith(3);
    await labelRequest(name, { label: "staging", version: 2 });
    const id = await propose(name, 3);
    await approveChange(people.compliance!, { changeId: id, comment: "ok" });
    const response = await history(name);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.labels).toEqual([
      { label: "production", version: 3, canary: null, protected: true },
      { label: "staging", version: 2, canary: null, protected: false },
    ]);
    expect(body.history.map((m: { label: string; version: number; fromVersion: number | null }) => [m.label, m.fromVersion, m.version])).toEqual([
      ["production", 1, 3],
      ["staging", null, 2],
      ["production", null, 1],
    ]);
    expect(body.history[0]).toMatchObject({ movedBy: people.compliance!.label, changeId: id });
    const one = await (await history(name, "?label=staging")).json();
    expect(one.history).toHaveLength(1);
    expect((await (await history(name, "?limit=1")).json()).history).toHaveLength(1);
    const etag = response.headers.get("etag")!;
    expect((await getLabels(new NextRequest(`http://localhost/api/v1/prompts/${name}/labels`, { headers: { Authorization: `Bearer ${readKey}`, "If-None-Match": etag } }), { params: Promise.resolve({ name }) })).status).toBe(304);
  });

  it("answers 404 for an unknown prompt, 400 for a malformed query and 403 without prompts:read", async () => {
    const name = await promptWith(1);
    expect((await history(`nope-${suffix}`)).status).toBe(404);
    for (const q of ["?limit=0", "?limit=5000", "?limit=abc", "?label=BAD%20label"]) expect((await history(name, q)).status).toBe(400);
    expect((await history(name, "", ingestKey)).status).toBe(403);
  });
});

describe("four eyes", () => {
  it("does not let the proposer approve, and lets another person approve and apply", async () => {
    const name = await promptWith(3);
    const id = await propose(name, 3, people.admin!);
    expect((await appErrorOf(approveChange(people.admin!, { changeId: id, comment: "mine" }))).code).toBe("forbidden:four_eyes");
    expect((await appErrorOf(rejectChange(people.admin!, { changeId: id, comment: "mine" }))).code).toBe("forbidden:four_eyes");
    expect(await served(name)).toBe(1);
    const result = await approveChange(people.compliance!, { changeId: id, comment: "diff reviewed" });
    expect(result.outcome).toBe("applied");
    expect(await served(name)).toBe(3);
    const approval = await db.changeApproval.findFirstOrThrow({ where: { changeId: id } });
    expect(approval).toMatchObject({ userId: people.compliance!.id, verdict: "APPROVE", comment: "diff reviewed" });
    const actions = (await db.auditEvent.findMany({ where: { targetType: "change", targetId: id }, orderBy: { seq: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["change.propose", "change.approve"]);
  });

  it("counts a proposal made with an API key as its creator's: the creator cannot approve it", async () => {
    const name = await promptWith(2);
    const response = await labelRequest(name, { label: "production", version: 2, reason: "from CI" });
    const { change } = await response.json();
    expect((await appErrorOf(approveChange(people.compliance!, { changeId: change.id, comment: "own key" }))).code).toBe("forbidden:four_eyes");
    expect((await approveChange(people.compliance2!, { changeId: change.id, comment: "ok" })).outcome).toBe("applied");
  });

  it("needs distinct approvers when a change requires two", async () => {
    const name = await promptWith(2);
    const id = await propose(name, 2);
    await db.change.update({ where: { id }, data: { requiredApprovals: 2 } });
    expect((await approveChange(people.compliance!, { changeId: id, comment: "one" })).outcome).toBe("approved");
    expect((await appErrorOf(approveChange(people.compliance!, { changeId: id, comment: "again" }))).code).toBe("conflict:change_already_approved");
    expect(await served(name)).toBe(1);
    expect((await approveChange(people.admin!, { changeId: id, comment: "two" })).outcome).toBe("applied");
    expect(await served(name)).toBe(2);
  });

  it("rejects with a comment; a rejected change cannot be approved", async () => {
    const name = await promptWith(2);
    const id = await propose(name, 2);
    expect((await rejectChange(people.compliance!, { changeId: id, comment: "not tested" })).outcome).toBe("rejected");
    const error = await appErrorOf(approveChange(people.compliance2!, { changeId: id, comment: "late" }));
    expect(error.code).toBe("conflict:change_closed");
    expect(error.message).toContain("rejected");
    expect(await served(name)).toBe(1);
  });

  it("lets only the proposer (or an admin) cancel", async () => {
    const name = await promptWith(2);
    const id = await propose(name, 2);
    expect((await appErrorOf(cancelChange(people.ops2!, { changeId: id }))).code).toBe("forbidden:change_cancel");
    await cancelChange(people.ops!, { changeId: id });
    expect((await db.change.findUniqueOrThrow({ where: { id } })).status).toBe("CANCELLED");
  });
});

describe("stale changes and rollback", () => {
  it("marks a change superseded when its target moved since it was proposed, and says so", async () => {
    const name = await promptWith(3);
    const id = await propose(name, 3);
    // Out of band (e.g. a restore from backup): production now serves v2.
    await db.$executeRaw`UPDATE "PromptLabel" SET "versionId" = (SELECT v."id" FROM "PromptVersion" v JOIN "Prompt" p ON p."id" = v."promptId" WHERE p."name" = ${name} AND v."version" = 2) WHERE "name" = 'production' AND "promptId" = (SELECT "id" FROM "Prompt" WHERE "name" = ${name})`;
    const result = await approveChange(people.compliance!, { changeId: id, comment: "ok" });
    expect(result.outcome).toBe("superseded");
    expect(result.message).toContain("has changed since this was proposed");
    expect((await db.change.findUniqueOrThrow({ where: { id } })).status).toBe("SUPERSEDED");
    expect(await served(name)).toBe(2);
  });

  it("rolls back at once as a new applied change, and rolls the rollback back", async () => {
    const name = await promptWith(3);
    const id = await propose(name, 3);
    await approveChange(people.compliance!, { changeId: id, comment: "ok" });
    expect(await served(name)).toBe(3);

    const first = await rollbackChange(people.ops!, { changeId: id, reason: "error rate up" });
    expect(await served(name)).toBe(1);
    expect(await db.change.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "ROLLED_BACK" });
    expect(await db.change.findUniqueOrThrow({ where: { id: first.change.id } })).toMatchObject({ status: "APPLIED", rollbackOfId: id, proposedByName: people.ops!.label });
    expect((await appErrorOf(rollbackChange(people.ops!, { changeId: id, reason: "again" }))).code).toBe("conflict:change_not_applied");

    await rollbackChange(people.compliance!, { changeId: first.change.id, reason: "false alarm" });
    expect(await served(name)).toBe(3);
    const history = await db.promptLabelMove.findMany({ where: { prompt: { name }, label: "production" }, orderBy: { movedAt: "asc" } });
    expect(history.map((m) => [m.fromVersion, m.version])).toEqual([
      [null, 1],
      [1, 3],
      [3, 1],
      [1, 3],
    ]);
  });

  it("refuses rolling back a change that is no longer the target's latest", async () => {
    const name = await promptWith(3);
    const a = await propose(name, 2);
    await approveChange(people.compliance!, { changeId: a, comment: "ok" });
    const b = await propose(name, 3);
    await approveChange(people.compliance!, { changeId: b, comment: "ok" });
    const error = await appErrorOf(rollbackChange(people.ops!, { changeId: a, reason: "old" }));
    expect(error.code).toBe("conflict:change_not_current");
    expect(await served(name)).toBe(3);
  });

  it("supersedes a pending change when a rollback moves its target", async () => {
    const name = await promptWith(3);
    const a = await propose(name, 2);
    await approveChange(people.compliance!, { changeId: a, comment: "ok" });
    const pending = await propose(name, 3);
    await rollbackChange(people.ops!, { changeId: a, reason: "incident" });
    expect((await db.change.findUniqueOrThrow({ where: { id: pending } })).status).toBe("SUPERSEDED");
    const error = await appErrorOf(approveChange(people.compliance!, { changeId: pending, comment: "late" }));
    expect(error.message).toContain("superseded");
    expect(await served(name)).toBe(1);
  });
});

describe("concurrency: exactly one wins", () => {
  it("two approvals of one change: one applies, the other is told it is already applied", async () => {
    const name = await promptWith(2);
    const id = await propose(name, 2);
    const results = await Promise.allSettled([
      approveChange(people.compliance!, { changeId: id, comment: "a" }),
      approveChange(people.compliance2!, { changeId: id, comment: "b" }),
    ]);
    const applied = results.filter((r) => r.status === "fulfilled" && r.value.outcome === "applied");
    const refused = results.filter((r) => r.status === "rejected");
    expect(applied).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(((refused[0] as PromiseRejectedResult).reason as AppError).code).toBe("conflict:change_closed");
    expect(await db.changeApproval.count({ where: { changeId: id } })).toBe(1);
    expect(await db.promptLabelMove.count({ where: { prompt: { name }, label: "production" } })).toBe(2);
  });

  it("two proposals on one target: one waits, the other gets a conflict", async () => {
    const name = await promptWith(3);
    const results = await Promise.allSettled([
      moveLabel(people.ops!, { prompt: name, label: "production", version: 2, canary: null, reason: "a" }),
      moveLabel(people.ops2!, { prompt: name, label: "production", version: 3, canary: null, reason: "b" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as AppError).code).toBe("conflict:change_pending");
    expect(await db.change.count({ where: { targetId: `${name}:production`, status: "PENDING" } })).toBe(1);
  });

  it("approve against a rollback of the same target: exactly one takes effect", async () => {
    for (let round = 0; round < 4; round++) {
      const name = await promptWith(3);
      const a = await propose(name, 2);
      await approveChange(people.compliance!, { changeId: a, comment: "ok" });
      const pending = await propose(name, 3);
      const [approve, rollback] = await Promise.allSettled([
        approveChange(people.compliance2!, { changeId: pending, comment: "go" }),
        rollbackChange(people.ops!, { changeId: a, reason: "incident" }),
      ]);
      const approved = approve.status === "fulfilled" && approve.value.outcome === "applied";
      const rolledBack = rollback.status === "fulfilled";
      expect(approved !== rolledBack).toBe(true);
      expect(await served(name)).toBe(approved ? 3 : 1);
    }
  });

  it("two rollbacks of one change: one restores, the other is refused", async () => {
    const name = await promptWith(2);
    const a = await propose(name, 2);
    await approveChange(people.compliance!, { changeId: a, comment: "ok" });
    const results = await Promise.allSettled([rollbackChange(people.ops!, { changeId: a, reason: "x" }), rollbackChange(people.compliance!, { changeId: a, reason: "y" })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.change.count({ where: { rollbackOfId: a } })).toBe(1);
    expect(await served(name)).toBe(1);
  });
});

describe("scopes per role", () => {
  it("lets ops leads and admins propose; not viewers, finance or compliance", async () => {
    const name = await promptWith(2);
    for (const who of ["viewer", "finance", "compliance"]) {
      expect((await appErrorOf(moveLabel(people[who]!, { prompt: name, label: "staging", version: 2, canary: null, reason: "x" }))).code).toBe("forbidden:changes:propose");
    }
    expect((await moveLabel(people.admin!, { prompt: name, label: "staging", version: 2, canary: null, reason: "x" })).applied).toBe(true);
  });

  it("lets compliance and admins decide; not ops leads, viewers or finance", async () => {
    const name = await promptWith(2);
    const id = await propose(name, 2);
    for (const who of ["ops2", "viewer", "finance"]) {
      expect((await appErrorOf(approveChange(people[who]!, { changeId: id, comment: "x" }))).code).toBe("forbidden:changes:approve");
      expect((await appErrorOf(rejectChange(people[who]!, { changeId: id, comment: "x" }))).code).toBe("forbidden:changes:approve");
    }
    const key: Actor = { type: "API_KEY", id: (await db.apiKey.findFirstOrThrow({ where: { name: `admin ${suffix}` } })).id, label: "admin key" };
    expect((await appErrorOf(approveChange(key, { changeId: id, comment: "x" }))).code).toBe("forbidden:api_key");
  });

  it("lets ops leads, compliance and admins roll back; not viewers or finance", async () => {
    const name = await promptWith(2);
    const a = await propose(name, 2);
    await approveChange(people.compliance!, { changeId: a, comment: "ok" });
    for (const who of ["viewer", "finance"]) {
      expect((await appErrorOf(rollbackChange(people[who]!, { changeId: a, reason: "x" }))).code).toBe("forbidden:changes:rollback");
    }
  });

  it("lets only admins change which labels are protected, audited", async () => {
    const name = await promptWith(1);
    expect((await appErrorOf(setProtectedLabels(people.compliance!, name, []))).code).toBe("forbidden:admin");
    await setProtectedLabels(people.admin!, name, ["production", "staging"]);
    expect((await db.prompt.findUniqueOrThrow({ where: { name } })).protectedLabels).toEqual(["production", "staging"]);
    expect(await db.auditEvent.count({ where: { action: "prompt.update", metadata: { path: ["prompt"], equals: name } } })).toBeGreaterThan(0);
  });
});

describe("agent configuration versions", () => {
  it("proposes a version (protected by default), applies it on approval and rolls it back", async () => {
    const agent = await db.agent.create({ data: { name: unique("agent") } });
    const config = { model: "gpt-4o", promptName: null, promptLabel: null, allowedTools: ["erp.lookup"], authorityLimits: { maxAmountUsd: 5000 }, autonomyLevel: 2 };
    const first = await proposeAgentConfig(people.ops!, { agent: agent.name, config, reason: "initial" });
    expect(first.applied).toBe(false);
    expect((await db.agent.findUniqueOrThrow({ where: { id: agent.id } })).currentConfigId).toBeNull();
    await approveChange(people.compliance!, { changeId: first.change.id, comment: "ok" });
    const v1 = await db.agent.findUniqueOrThrow({ where: { id: agent.id }, include: { currentConfig: true } });
    expect(v1.currentConfig).toMatchObject({ version: 1, model: "gpt-4o", allowedTools: ["erp.lookup"], authorityLimits: { maxAmountUsd: 5000 } });
    expect(v1.autonomyLevel).toBe(2);

    const second = await proposeAgentConfig(people.ops!, { agent: agent.name, config: { ...config, authorityLimits: { maxAmountUsd: 50000 } }, reason: "raise" });
    expect(second.change.title).toContain("configuration v1 → configuration v2");
    await approveChange(people.admin!, { changeId: second.change.id, comment: "ok" });
    await rollbackChange(people.ops!, { changeId: second.change.id, reason: "too generous" });
    const back = await db.agent.findUniqueOrThrow({ where: { id: agent.id }, include: { currentConfig: true } });
    expect(back.currentConfig?.version).toBe(1);
    expect(await db.agentConfigVersion.count({ where: { agentId: agent.id } })).toBe(2);
  });

  it("applies at once when an admin has lifted the agent's protection; only admins may, audited", async () => {
    const agent = await db.agent.create({ data: { name: unique("unprotected") } });
    const config = { model: "gpt-4o-mini", promptName: null, promptLabel: null, allowedTools: [], authorityLimits: {}, autonomyLevel: 1 };
    for (const who of ["ops", "compliance"]) expect((await appErrorOf(setConfigProtected(people[who]!, agent.name, false))).code).toBe("forbidden:admin");
    expect(await setConfigProtected(people.admin!, agent.name, false)).toBe(false);
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "agent.update", targetId: agent.id } });
    expect(event.after).toEqual({ configProtected: false });
    const applied = await proposeAgentConfig(people.ops!, { agent: agent.name, config, reason: "sandbox agent" });
    expect(applied.applied).toBe(true);
    expect((await db.agent.findUniqueOrThrow({ where: { id: agent.id }, include: { currentConfig: true } })).currentConfig?.version).toBe(1);
    await setConfigProtected(people.admin!, agent.name, true);
    expect((await proposeAgentConfig(people.ops!, { agent: agent.name, config: { ...config, model: "gpt-4o" }, reason: "again" })).applied).toBe(false);
  });

  it("refuses viewers and unknown agents", async () => {
    const config = { model: null, promptName: null, promptLabel: null, allowedTools: [], authorityLimits: {}, autonomyLevel: 1 };
    expect((await appErrorOf(proposeAgentConfig(people.viewer!, { agent: "x", config, reason: "x" }))).code).toBe("forbidden:agents:write");
    expect((await appErrorOf(proposeAgentConfig(people.ops!, { agent: `missing-${suffix}`, config, reason: "x" }))).code).toBe("not_found:agent");
  });
});

describe("webhook events", () => {
  it("queues change.proposed, change.applied, prompt.label_moved and change.rolled_back for a subscribed endpoint", async () => {
    const endpoint = await db.webhookEndpoint.create({
      data: { url: "http://127.0.0.1:9/hook", secret: "s".repeat(32), name: `hook ${suffix}`, eventTypes: ["change.proposed", "change.applied", "change.rolled_back", "prompt.label_moved"], enabled: true },
    });
    try {
      const name = await promptWith(2);
      const id = await propose(name, 2);
      await approveChange(people.compliance!, { changeId: id, comment: "ok" });
      await rollbackChange(people.ops!, { changeId: id, reason: "x" });
      const deliveries = await db.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, orderBy: { createdAt: "asc" } });
      const mine = deliveries.filter((d) => JSON.stringify(d.payload).includes(name));
      expect(mine.map((d) => d.eventType)).toEqual(expect.arrayContaining(["change.proposed", "change.applied", "prompt.label_moved", "change.rolled_back"]));
    } finally {
      await db.webhookEndpoint.delete({ where: { id: endpoint.id } });
    }
  });
});

describe("canary split served by the prompt API", () => {
  it("serves the same version for the same key, and splits 10,000 keys within ±2 % of the weight", async () => {
    const name = await promptWith(2);
    await moveLabel(people.ops!, { prompt: name, label: "beta", version: 1, canary: { version: 2, weight: 10 }, reason: "A/B" });
    const first = new Map<string, number>();
    for (let i = 0; i < 50; i++) first.set(`run-${i}`, await served(name, `?label=beta&key=run-${i}`));
    for (const [key, v] of first) expect(await served(name, `?label=beta&key=${key}`)).toBe(v);

    let canary = 0;
    const keys = Array.from({ length: 10_000 }, (_, i) => `conversation-${i}`);
    for (let i = 0; i < keys.length; i += 100) {
      const views = await Promise.all(keys.slice(i, i + 100).map((key) => servePrompt(name, { label: "beta", key })));
      canary += views.filter((v) => v.version === 2).length;
      expect(views.every((v) => v.split?.arm === (v.version === 2 ? "canary" : "control"))).toBe(true);
    }
    expect(Math.abs(canary / 100 - 10)).toBeLessThanOrEqual(2);

    const response = await fetchPrompt(name, "?label=beta&key=run-1");
    const body = await response.json();
    expect(body.split).toMatchObject({ weight: 10, controlVersion: 1, canaryVersion: 2 });
    expect(response.headers.get("x-flightdeck-prompt-arm")).toBe(body.split.arm);
  });

  it("answers 400 for a key without a label and 404 for an unknown label", async () => {
    const name = await promptWith(1);
    expect((await fetchPrompt(name, "?key=abc")).status).toBe(400);
    expect((await fetchPrompt(name, `?label=beta&key=${"k".repeat(300)}`)).status).toBe(400);
    expect((await fetchPrompt(name, "?label=nope")).status).toBe(404);
  });
});
