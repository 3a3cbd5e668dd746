/** The prompt registry against the real database: version numbering under concurrency, immutability, audit, scopes, and the HTTP API. */
import { randomBytes } from "node:crypto";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/prompts/[name]/route";
import { POST } from "@/app/api/v1/prompts/[name]/versions/route";
import { generateApiKey, hashApiKey } from "@/lib/api-keys/keys";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/commands";
import { appErrorOf } from "@/tests/support/app-error";
import { createPromptVersion } from "./commands";
import { newPromptVersionSchema } from "./schemas";
import { diffPromptVersions, getPrompt, getPromptVersion, listPrompts } from "./queries";

const suffix = randomBytes(3).toString("hex");
const unique = (base: string) => `${base}-${suffix}-${randomBytes(2).toString("hex")}`;
const readKey = generateApiKey();
const writeKey = generateApiKey();
const ingestKey = generateApiKey();
let ops: Actor;
let viewer: Actor;

beforeAll(async () => {
  await db.apiKey.createMany({
    data: [
      { name: `prompts reader ${suffix}`, prefix: readKey.slice(0, 9), hash: hashApiKey(readKey), scopes: ["prompts:read"] },
      { name: `prompts writer ${suffix}`, prefix: writeKey.slice(0, 9), hash: hashApiKey(writeKey), scopes: ["prompts:read", "prompts:write"] },
      { name: `prompts ingest ${suffix}`, prefix: ingestKey.slice(0, 9), hash: hashApiKey(ingestKey), scopes: ["ingest"] },
    ],
  });
  const opsUser = await createUser(SYSTEM_ACTOR, { email: `ops-${suffix}@example.com`, name: "Ops", role: "OPS_LEAD", password: "correct horse battery" });
  const viewerUser = await createUser(SYSTEM_ACTOR, { email: `viewer-${suffix}@example.com`, name: "Viewer", role: "VIEWER", password: "correct horse battery" });
  ops = { type: "USER", id: opsUser.id, label: opsUser.email };
  viewer = { type: "USER", id: viewerUser.id, label: viewerUser.email };
});

const body = (template: unknown, message = "why", config: unknown = {}) => ({ template, config, message });
/** A validated command input, as the route and the action hand it over. */
const input = (template: unknown, message = "why", config: unknown = {}) => newPromptVersionSchema.parse(body(template, message, config));

const get = (name: string, query = "", key: string | null = readKey, headers: Record<string, string> = {}) =>
  GET(new NextRequest(`http://localhost/api/v1/prompts/${name}${query}`, { headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers } }), {
    params: Promise.resolve({ name }),
  });

const post = (name: string, payload: unknown, key = writeKey) =>
  POST(
    new NextRequest(`http://localhost/api/v1/prompts/${name}/versions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: typeof payload === "string" ? payload : JSON.stringify(payload),
    }),
    { params: Promise.resolve({ name }) },
  );


describe("prompt versions", () => {
  it("numbers 10 concurrent first versions of a new prompt 1..10 with no gaps or duplicates, one prompt.create event", async () => {
    const name = unique("concurrent");
    const created = await Promise.all(Array.from({ length: 10 }, (_, i) => createPromptVersion(ops, name, input(`v ${i}`, `m${i}`))));
    expect(created.map((c) => c.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const rows = await db.promptVersion.findMany({ where: { prompt: { name } }, orderBy: { version: "asc" } });
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await db.prompt.count({ where: { name } })).toBe(1);

    const promptId = rows[0]!.promptId;
    const events = await db.auditEvent.findMany({ where: { OR: [{ action: "prompt.create", targetId: promptId }, { action: "prompt_version.create", targetId: { in: rows.map((r) => r.id) } }] } });
    expect(events.filter((e) => e.action === "prompt.create")).toHaveLength(1);
    const versionEvents = events.filter((e) => e.action === "prompt_version.create");
    expect(versionEvents).toHaveLength(10);
    expect(versionEvents.every((e) => e.actorType === "USER" && e.actorLabel === ops.label)).toBe(true);
    const byTarget = new Map(rows.map((r) => [r.id, r.version]));
    for (const e of versionEvents) expect((e.after as { version: number }).version).toBe(byTarget.get(e.targetId!));
  });

  it("keeps earlier versions unchanged when new ones are published (immutability)", async () => {
    const name = unique("immutable");
    const v1 = await createPromptVersion(ops, name, input("Hello {{name}}", "first", { model: "gpt-4o" }));
    const before = await db.promptVersion.findUniqueOrThrow({ where: { id: v1.id } });
    await createPromptVersion(ops, name, input("Hi {{name}}", "second", { model: "gpt-4o-mini" }));
    const after = await db.promptVersion.findUniqueOrThrow({ where: { id: v1.id } });
    expect(after).toEqual(before);
    const view = await getPromptVersion(name, { version: 1 });
    expect(view).toMatchObject({ version: 1, template: "Hello {{name}}", config: { model: "gpt-4o" }, message: "first", createdBy: ops.label, placeholders: ["name"] });
    expect(before.createdById).toBe(ops.id);
  });

  it("refuses a VIEWER through execute, and writes nothing", async () => {
    const name = unique("refused");
    const error = await appErrorOf(createPromptVersion(viewer, name, input("x")));
    expect(error.code).toBe("forbidden:prompts:write");
    expect(await db.prompt.count({ where: { name } })).toBe(0);
  });

  it("lists, details and diffs prompts", async () => {
    const name = unique("listed");
    await createPromptVersion(ops, name, input("line one\nYou are helpful.\nend", "first", { model: "a", temperature: 1 }));
    await createPromptVersion(ops, name, input([{ role: "system", content: "You are {{persona}}." }], "to chat", { model: "b", maxTokens: 10 }));
    const list = await listPrompts({ q: name });
    expect(list).toEqual([expect.objectContaining({ name, type: "chat", versions: 2, latestVersion: 2, lastChangedBy: ops.label, labels: [] })]);
    expect(await listPrompts({ q: name, type: "text" })).toEqual([]);
    const detail = await getPrompt(name);
    expect(detail?.versions.map((v) => [v.version, v.message, v.createdBy])).toEqual([
      [2, "to chat", ops.label],
      [1, "first", ops.label],
    ]);
    const diff = await diffPromptVersions(name, 1, 2);
    expect(diff.typeChanged).toBe(true);
    expect(diff.config.map((c) => [c.key, c.kind])).toEqual([
      ["maxTokens", "added"],
      ["model", "changed"],
      ["temperature", "removed"],
    ]);
    expect(diff.placeholders).toEqual({ added: ["persona"], removed: [] });
    expect(diff.template.some((r) => r.kind !== "same")).toBe(true);
  });
});

describe("prompts API", () => {
  it("publishes a version with 201, and refuses bad bodies with 400 naming the field", async () => {
    const name = unique("api");
    const res = await post(name, body("Answer {{question}}", "from the API", { model: "gpt-4o", temperature: 0.3, vendorKnob: true }));
    expect(res.status).toBe(201);
    const json = await res.json();
    expect(json).toEqual({
      name,
      version: 1,
      label: null,
      template: "Answer {{question}}",
      config: { model: "gpt-4o", temperature: 0.3, vendorKnob: true },
      message: "from the API",
      createdBy: `prompts writer ${suffix}`,
      createdAt: expect.any(String),
    });
    expect((await post(name, body([{ role: "user", content: "hi" }], "two"))).status).toBe(201);

    const bad = await post(name, body("x", "m", { temperature: 5 }));
    expect(bad.status).toBe(400);
    const error = (await bad.json()).error as { code: string; details: { path: string }[] };
    expect(error.code).toBe("bad_request:prompt_version");
    expect(error.details.map((d) => d.path)).toEqual(["config.temperature"]);
    const noMessage = await post(name, { template: "x" });
    expect(((await noMessage.json()).error as { details: { path: string }[] }).details.map((d) => d.path)).toEqual(["message"]);
    expect((await post(name, "{not json")).status).toBe(400);
    expect((await post("Bad Name", body("x"))).status).toBe(400);
  });

  it("answers 401 without a key and 403 for a key without the scope", async () => {
    const name = unique("scoped");
    expect((await post(name, body("x"), readKey)).status).toBe(403);
    expect((await post(name, body("x"), ingestKey)).status).toBe(403);
    expect((await get(name, "", ingestKey)).status).toBe(403);
    expect((await get(name, "", null)).status).toBe(401);
    expect(await db.prompt.count({ where: { name } })).toBe(0);
  });

  it("serves a version by number, by label and the latest, with ETag and 304", async () => {
    const name = unique("served");
    await createPromptVersion(ops, name, input("first", "one"));
    const v2 = await createPromptVersion(ops, name, input("second", "two"));
    await createPromptVersion(ops, name, input("third", "three"));
    await db.promptLabel.create({ data: { promptId: v2.promptId, name: "production", versionId: v2.id } });

    const byVersion = await get(name, "?version=1");
    expect(byVersion.status).toBe(200);
    expect(byVersion.headers.get("cache-control")).toBe("private, max-age=0");
    const etag = byVersion.headers.get("etag");
    expect(etag).toMatch(/^".+"$/);
    expect(await byVersion.json()).toMatchObject({ name, version: 1, label: null, template: "first", message: "one", createdBy: ops.label });

    const notModified = await get(name, "?version=1", readKey, { "If-None-Match": etag! });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
    expect(notModified.headers.get("etag")).toBe(etag);

    const byLabel = await get(name, "?label=production");
    expect(await byLabel.json()).toMatchObject({ version: 2, label: "production", template: "second" });
    expect((await get(name, "?label=production", readKey, { "If-None-Match": etag! })).status).toBe(200);

    expect(await (await get(name)).json()).toMatchObject({ version: 3, label: null });
  });

  it("answers 404 for an unknown prompt, version or label and 400 for malformed ones", async () => {
    const name = unique("missing");
    await createPromptVersion(ops, name, input("only", "one"));
    const code = async (res: Response) => ({ status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code });
    expect(await code(await get(unique("nope")))).toEqual({ status: 404, code: "not_found:prompt" });
    expect(await code(await get(name, "?version=2"))).toEqual({ status: 404, code: "not_found:prompt_version" });
    expect(await code(await get(name, "?label=staging"))).toEqual({ status: 404, code: "not_found:prompt_label" });
    expect(await code(await get(name, "?version=abc"))).toEqual({ status: 400, code: "bad_request:prompt_query" });
    expect(await code(await get(name, "?version=0"))).toEqual({ status: 400, code: "bad_request:prompt_query" });
    expect(await code(await get(name, "?version=1&label=production"))).toEqual({ status: 400, code: "bad_request:prompt_query" });
    expect(await code(await get("Not%20A%20Slug"))).toEqual({ status: 400, code: "bad_request:prompt_name" });
  });

  it("refuses to publish a prompt named `log` (/prompts/log is the Prompt log), saying why", async () => {
    const res = await post("log", { template: "t", message: "m" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toEqual({
      code: "bad_request:prompt_name",
      message: "“log” is reserved: /prompts/log is the Prompt log. Choose another name, e.g. log-prompt.",
    });
    expect(await db.prompt.findUnique({ where: { name: "log" } })).toBeNull();
  });
});
