/**
 * The breaker routes (app/api/v1/agents/{name}/breakers/**) as Next calls
 * them: each method with each kind of key (agents:control, admin, another
 * scope, none, a key given to an agent), the answers' shape, and hostile
 * requests (malformed JSON, wrong content type, oversized and deeply nested
 * bodies, wrong types, unknown and malformed names and ids, concurrent posts).
 */
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as getOne, PATCH as patchOne, DELETE as deleteOne } from "@/app/api/v1/agents/[name]/breakers/[id]/route";
import { POST as replayRoute } from "@/app/api/v1/agents/[name]/breakers/replay/route";
import { GET as listRoute, POST as createRoute } from "@/app/api/v1/agents/[name]/breakers/route";
import { openApiDocument } from "@/lib/api/openapi";
import { db } from "@/lib/db";
import { apiKey, json, request } from "@/lib/escalations/test-support";
import { ingest, newAgent, toolCalls, unique, type TestAgent } from "./test-support";

const nameParams = (name: string) => ({ params: Promise.resolve({ name }) });
const idParams = (name: string, id: string) => ({ params: Promise.resolve({ name, id }) });
const base = (agent: string) => `/api/v1/agents/${encodeURIComponent(agent)}/breakers`;
const body = (over: Record<string, unknown> = {}) => ({ name: unique("api-brk"), condition: "tool_error_rate", params: { thresholdPct: 50, window: 10, minSample: 5 }, ...over });

let agent: TestAgent;
let control: string;
let admin: string;
let ingestOnly: string;

beforeAll(async () => {
  agent = await newAgent();
  control = (await apiKey(["agents:control"])).key;
  admin = (await apiKey(["admin"])).key;
  ingestOnly = (await apiKey(["ingest", "runs:read"])).key;
});

const create = async (key: string | null, b: unknown, name = agent.name) => json(await createRoute(request("POST", base(name), key, b), nameParams(name)));

describe("the routes", () => {
  it("create, list, read, change, replay and delete with agents:control", async () => {
    const created = await create(control, body({ mode: "enforce", halfOpen: true, coolDownMinutes: 5 }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ agent: agent.name, condition: "tool_error_rate", mode: "enforce", state: "closed", enabled: true, halfOpen: true, coolDownMinutes: 5, threshold: 50, events: [] });
    expect(created.body.description).toBe("Tool error rate above 50 % over the last 10 tool calls (at least 5 calls)");
    const id = created.body.id as string;

    const list = await json(await listRoute(request("GET", base(agent.name), control), nameParams(agent.name)));
    expect(list.status).toBe(200);
    expect((list.body.data as { id: string }[]).map((b) => b.id)).toContain(id);

    expect((await json(await getOne(request("GET", `${base(agent.name)}/${id}`, admin), idParams(agent.name, id)))).body).toMatchObject({ id });

    const patched = await json(await patchOne(request("PATCH", `${base(agent.name)}/${id}`, control, { mode: "observe", params: { thresholdPct: 75, window: 10, minSample: 5 } }), idParams(agent.name, id)));
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ mode: "observe", params: { thresholdPct: 75 } });

    await ingest(toolCalls(agent, "xxxxxx", { at: new Date(Date.now() - 3_600_000) }));
    const saved = await json(await replayRoute(request("POST", `${base(agent.name)}/replay`, control, { breakerId: id }), nameParams(agent.name)));
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ days: 30, count: 1, coolDownMinutes: 5 });
    const draft = await json(await replayRoute(request("POST", `${base(agent.name)}/replay`, control, { condition: "tool_error_rate", params: { thresholdPct: 10, window: 2, minSample: 2 }, coolDownMinutes: 0 }), nameParams(agent.name)));
    expect(draft.status).toBe(200);
    expect(draft.body.count).toBe(3);
    expect((draft.body.trips as { runIds: string[] }[])[0]!.runIds).toHaveLength(1);

    const deleted = await deleteOne(request("DELETE", `${base(agent.name)}/${id}`, control), idParams(agent.name, id));
    expect(deleted.status).toBe(204);
    expect((await json(await getOne(request("GET", `${base(agent.name)}/${id}`, control), idParams(agent.name, id)))).status).toBe(404);
  });

  it("each route refuses a missing key (401) and a key without agents:control (403)", async () => {
    const b = await create(control, body());
    const id = b.body.id as string;
    const calls = (key: string | null) => [
      () => listRoute(request("GET", base(agent.name), key), nameParams(agent.name)),
      () => createRoute(request("POST", base(agent.name), key, body()), nameParams(agent.name)),
      () => getOne(request("GET", `${base(agent.name)}/${id}`, key), idParams(agent.name, id)),
      () => patchOne(request("PATCH", `${base(agent.name)}/${id}`, key, { enabled: false }), idParams(agent.name, id)),
      () => deleteOne(request("DELETE", `${base(agent.name)}/${id}`, key), idParams(agent.name, id)),
      () => replayRoute(request("POST", `${base(agent.name)}/replay`, key, { breakerId: id }), nameParams(agent.name)),
    ];
    for (const call of calls(null)) expect((await call()).status).toBe(401);
    for (const call of calls("fd_not_a_key")) expect((await call()).status).toBe(401);
    for (const call of calls(ingestOnly)) {
      const answer = await json(await call());
      expect(answer.status).toBe(403);
      expect(answer.body.error?.code).toBe("forbidden:api_key");
    }
    expect(await db.breaker.findUniqueOrThrow({ where: { id } })).toMatchObject({ enabled: true });
  });

  it("a key given to an agent reads its own agent's breakers, no other's, and changes none", async () => {
    const other = await newAgent();
    const own = await apiKey(["agents:control"]);
    await db.apiKey.update({ where: { id: own.id }, data: { agentId: agent.id } });
    const b = await create(control, body());
    const id = b.body.id as string;
    expect((await listRoute(request("GET", base(agent.name), own.key), nameParams(agent.name))).status).toBe(200);
    expect((await json(await listRoute(request("GET", base(other.name), own.key), nameParams(other.name)))).body.error?.code).toBe("forbidden:agent_key");
    for (const answer of [
      await createRoute(request("POST", base(agent.name), own.key, body()), nameParams(agent.name)),
      await patchOne(request("PATCH", `${base(agent.name)}/${id}`, own.key, { enabled: false }), idParams(agent.name, id)),
      await deleteOne(request("DELETE", `${base(agent.name)}/${id}`, own.key), idParams(agent.name, id)),
    ]) {
      const { status, body: err } = await json(answer);
      expect(status).toBe(403);
      expect(err.error?.code).toBe("forbidden:agent_key");
    }
    expect(await db.breaker.findUniqueOrThrow({ where: { id } })).toMatchObject({ enabled: true });
  });
});

describe("hostile requests", () => {
  const raw = (method: string, path: string, text: string, headers: Record<string, string> = { "Content-Type": "application/json" }) =>
    new NextRequest(`http://localhost${path}`, { method, headers: { Authorization: `Bearer ${control}`, ...headers }, body: text });

  it("malformed JSON, wrong content type, oversized and deeply nested bodies", async () => {
    const p = base(agent.name);
    const cases: [NextRequest, number, string][] = [
      [raw("POST", p, "{not json"), 400, "bad_request:json"],
      [raw("POST", p, ""), 400, "bad_request:body"],
      [raw("POST", p, JSON.stringify(body()), { "Content-Type": "text/plain" }), 415, "unsupported_media_type:content_type"],
      [raw("POST", p, JSON.stringify(body({ name: "x".repeat(20_000) }))), 413, "payload_too_large:body"],
      [raw("POST", p, `${"[".repeat(100)}${"]".repeat(100)}`), 400, "bad_request:json"],
      [raw("POST", p, JSON.stringify(body({ name: "nul\u0000" }))), 400, "bad_request:json"],
    ];
    for (const [req, status, code] of cases) {
      const answer = await json(await createRoute(req, nameParams(agent.name)));
      expect([answer.status, answer.body.error?.code]).toEqual([status, code]);
    }
  });

  it("wrong types and values answer 400 with the field; nothing is created", async () => {
    const before = await db.breaker.count({ where: { agentId: agent.id } });
    for (const [b, path] of [
      [body({ condition: "TOOL_ERROR_RATE" }), "condition"],
      [body({ params: { thresholdPct: "50", window: 10, minSample: 5 } }), "params.thresholdPct"],
      [body({ params: { runs: 3, windowMinutes: 10 } }), "params.thresholdPct"],
      [body({ params: [1, 2] }), "params"],
      [body({ mode: "ENFORCE" }), "mode"],
      [body({ coolDownMinutes: 1e12 }), "coolDownMinutes"],
      [body({ enabled: "true" }), "enabled"],
      [body({ state: "open" }), ""],
      [[body()], ""],
      [JSON.stringify("a string"), ""],
    ] as [unknown, string][]) {
      const answer = await create(control, b);
      expect(answer.status, JSON.stringify(b).slice(0, 60)).toBe(400);
      expect(answer.body.error?.code).toBe("bad_request:breaker");
      if (path) expect(JSON.stringify((answer.body.error as { details?: unknown } | undefined)?.details)).toContain(`"path":"${path}`);
    }
    expect(await db.breaker.count({ where: { agentId: agent.id } })).toBe(before);
    const patch = await json(await patchOne(request("PATCH", `${base(agent.name)}/cabcdefghijklmnopqrstuvwx`, control, {}), idParams(agent.name, "cabcdefghijklmnopqrstuvwx")));
    expect(patch.status).toBe(400);
    const replay = await json(await replayRoute(request("POST", `${base(agent.name)}/replay`, control, { condition: "loops", params: { runs: -1, windowMinutes: 5 } }), nameParams(agent.name)));
    expect([replay.status, replay.body.error?.code]).toEqual([400, "bad_request:breaker_replay"]);
  });

  it("unknown or malformed agents and ids", async () => {
    expect((await create(control, body(), unique("nobody"))).status).toBe(404);
    expect((await create(control, body(), "x".repeat(300))).status).toBe(400);
    expect((await json(await getOne(request("GET", `${base(agent.name)}/nope`, control), idParams(agent.name, "../../etc")))).body.error?.code).toBe("bad_request:breaker_id");
    const other = await newAgent();
    const theirs = await create(control, body(), other.name);
    const id = theirs.body.id as string;
    // Another agent's breaker through this agent's path: not found, and untouched.
    expect((await patchOne(request("PATCH", `${base(agent.name)}/${id}`, control, { enabled: false }), idParams(agent.name, id))).status).toBe(404);
    expect((await deleteOne(request("DELETE", `${base(agent.name)}/${id}`, control), idParams(agent.name, id))).status).toBe(404);
    expect((await replayRoute(request("POST", `${base(agent.name)}/replay`, control, { breakerId: id }), nameParams(agent.name))).status).toBe(404);
    expect(await db.breaker.findUniqueOrThrow({ where: { id } })).toMatchObject({ enabled: true });
  });

  it("concurrent posts of one name: one 201, the rest 409", async () => {
    const b = body();
    const answers = await Promise.all(Array.from({ length: 5 }, () => create(control, b)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.error?.code === "conflict:breaker_exists")).toBe(true);
  });
});

it("the OpenAPI document describes every breaker route", () => {
  const paths = openApiDocument().paths;
  expect(Object.keys(paths["/api/v1/agents/{name}/breakers"]!)).toEqual(["get", "post"]);
  expect(Object.keys(paths["/api/v1/agents/{name}/breakers/{id}"]!)).toEqual(["get", "patch", "delete"]);
  expect(Object.keys(paths["/api/v1/agents/{name}/breakers/replay"]!)).toEqual(["post"]);
  expect(openApiDocument().components.schemas).toHaveProperty("BreakerInput");
});
