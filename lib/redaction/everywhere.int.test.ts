/**
 * With redaction on, nothing personal or secret sent as telemetry is stored,
 * whatever field it travels in: a corpus puts an e-mail address, an API key
 * and a card number into every field an OTLP span (name, status, every
 * attribute kind, keys, events, exceptions, resource, scope, JSON carried in
 * strings, messages nested deep) and a native batch (every string of runs,
 * steps and evaluations) can carry, sends it through both route handlers, then
 * reads every text, varchar, json and jsonb column of every table: none of the
 * three values is anywhere (audit events included).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createIngestKey, postNative, postOtlp } from "@/tests/factories/ingest-routes";
import { nanosOf, otlpJsonRequest, otlpProtobufRequest, type AttrSpec, type RequestFixture } from "@/tests/factories/otlp-spans";
import { randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { MAX_JSON_DEPTH } from "@/lib/telemetry/storable";
import { TextRedaction } from "@/lib/telemetry/redact-step";
import type { JsonValue } from "../telemetry/types";
import { createRedactor, REDACTION_ENABLED_KEY } from "./redactor";

/** A Visa-shaped number with a valid Luhn check digit, different on every run. */
function luhnCard(): string {
  const body = `4${Array.from(randomBytes(14), (b) => b % 10).join("")}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d *= 2;
    sum += d > 9 ? d - 9 : d;
  }
  return body + ((10 - (sum % 10)) % 10);
}

// Unique values, so that nothing stored by another test file can match.
const tag = randomBytes(4).toString("hex");
const EMAIL = `jane.doe.${tag}@example.com`;
const SECRET = `sk-live-${randomBytes(30).toString("base64url").replace(/[-_]/g, "x").slice(0, 40)}`;
const AWS = `AKIA${randomBytes(8).toString("hex").toUpperCase()}`;
const CARD = luhnCard();
const NEEDLES = [EMAIL, SECRET, AWS, CARD];
/** All of them in one text, as people write them. */
const TEXT = `mail ${EMAIL} key ${SECRET} aws ${AWS} card ${CARD}`;
const URL_WITH_CREDENTIALS = `https://api.example.com/v1/pay?api_key=${SECRET}&email=${encodeURIComponent(EMAIL).replace("%40", "@")}&card=${CARD}`;

let key: string;
beforeAll(async () => {
  key = await createIngestKey("redaction everywhere");
  await db.setting.upsert({ where: { key: REDACTION_ENABLED_KEY }, create: { key: REDACTION_ENABLED_KEY, value: true }, update: { value: true } });
});

afterAll(async () => {
  // Other test files expect the default: redaction off.
  await db.setting.deleteMany({ where: { key: REDACTION_ENABLED_KEY } });
});

const nested = (depth: number, leaf: AttrSpec): AttrSpec => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const nestedJson = (depth: number) => `${"[".repeat(depth)}${JSON.stringify(TEXT)}${"]".repeat(depth)}`;

/** Every attribute kind, each carrying the corpus. */
const everyKind: Record<string, AttrSpec> = {
  "app.text": TEXT,
  "app.array": ["x", TEXT, [TEXT]],
  "app.kvlist": { inner: TEXT, list: [{ deeper: TEXT }], [EMAIL]: "an e-mail as a key" },
  [`app.${EMAIL}`]: "an e-mail in a key",
  "app.card_as_int": BigInt(CARD),
  "url.full": URL_WITH_CREDENTIALS,
  "http.url": URL_WITH_CREDENTIALS,
};

function otlpCorpus(traceId: string): RequestFixture {
  const start = Date.now() - 60_000;
  const t = (ms: number) => nanosOf(start + ms);
  const root = randomSpanId();
  return {
    resource: { "service.name": `svc ${EMAIL}`, "flightdeck.team": `team ${EMAIL}`, "host.name": TEXT },
    scope: { name: `scope ${TEXT}`, version: TEXT, attributes: { "scope.attr": TEXT } },
    spans: [
      {
        traceId,
        spanId: root,
        name: `run for ${TEXT}`,
        startNanos: t(0),
        endNanos: t(5000),
        attributes: {
          ...everyKind,
          "gen_ai.operation.name": "invoke_agent",
          "flightdeck.run.outcome": "failure",
          "flightdeck.run.outcome_impact": TEXT,
          "gen_ai.conversation.id": `conv ${EMAIL}`,
        },
        status: { code: 2 as const, message: TEXT },
      },
      {
        traceId,
        spanId: randomSpanId(),
        parentSpanId: root,
        name: `chat ${TEXT}`,
        startNanos: t(10),
        endNanos: t(900),
        attributes: {
          ...everyKind,
          "gen_ai.operation.name": "chat",
          "gen_ai.request.model": `model ${EMAIL}`,
          "gen_ai.provider.name": `provider ${EMAIL}`,
          "gen_ai.agent.name": `agent ${EMAIL}`,
          "gen_ai.usage.input_tokens": 10,
          "flightdeck.prompt.name": `prompt ${EMAIL}`,
          "flightdeck.prompt.version": 1,
          "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: TEXT }] }]),
          "gen_ai.output.messages": JSON.stringify([{ role: "assistant", content: nested(MAX_JSON_DEPTH - 4, TEXT) }]),
          // OpenInference keeps its payloads in input.value / output.value (unmapped on LLM spans).
          "openinference.span.kind": "LLM",
          "input.value": JSON.stringify({ messages: [{ content: TEXT }] }),
          "output.value": TEXT,
          "llm.input_messages.0.message.role": "user",
          "llm.input_messages.0.message.content": TEXT,
          "error.type": TEXT,
        },
        events: [
          { name: "exception", timeNanos: t(20), attributes: { "exception.type": TEXT, "exception.message": TEXT, "exception.stacktrace": `Error: ${TEXT}\n    at f (${URL_WITH_CREDENTIALS})` } },
          { name: `custom ${TEXT}`, timeNanos: t(30), attributes: everyKind },
        ],
        status: { code: 2 as const, message: TEXT },
      },
      {
        traceId,
        spanId: randomSpanId(),
        parentSpanId: root,
        name: `execute_tool ${TEXT}`,
        startNanos: t(1000),
        endNanos: t(1200),
        attributes: {
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": `tool ${EMAIL}`,
          "gen_ai.tool.call.arguments": JSON.stringify({ to: EMAIL, key: SECRET, card: CARD, deep: JSON.parse(nestedJson(MAX_JSON_DEPTH - 3)) }),
          "gen_ai.tool.call.result": TEXT,
        },
      },
      {
        traceId,
        spanId: randomSpanId(),
        parentSpanId: root,
        name: "tool via OpenInference",
        startNanos: t(1300),
        endNanos: t(1400),
        attributes: { "openinference.span.kind": "TOOL", "tool.name": "lookup", "input.value": TEXT, "output.value": JSON.stringify({ found: TEXT }) },
      },
      {
        traceId,
        spanId: randomSpanId(),
        parentSpanId: root,
        name: "decide",
        startNanos: t(1500),
        endNanos: t(1600),
        attributes: {
          "flightdeck.decision.chosen": TEXT,
          "flightdeck.decision.rationale": TEXT,
          "flightdeck.decision.alternatives": JSON.stringify([TEXT, { option: TEXT }]),
        },
      },
      {
        traceId,
        spanId: randomSpanId(),
        parentSpanId: root,
        name: "state",
        startNanos: t(1700),
        endNanos: t(1800),
        attributes: { "flightdeck.state.from": TEXT, "flightdeck.state.to": TEXT, "flightdeck.state.reason": TEXT, "gen_ai.prompt.0.content": TEXT },
        events: [
          { name: "gen_ai.user.message", timeNanos: t(1710), attributes: { content: TEXT } },
          { name: "gen_ai.choice", timeNanos: t(1720), attributes: { message: { content: TEXT } } },
        ],
      },
    ],
  };
}

function nativeCorpus(traceId: string) {
  const at = (ms: number) => new Date(Date.now() - 60_000 + ms).toISOString();
  const root = randomSpanId();
  return {
    runs: [
      { traceId, name: TEXT, agent: `agent ${EMAIL}`, team: `team ${EMAIL}`, status: "failed", outcome: "failure", outcomeImpact: TEXT, conversationId: `conv ${EMAIL}`, startedAt: at(0), endedAt: at(5000) },
    ],
    steps: [
      {
        traceId,
        spanId: root,
        kind: "agent",
        name: TEXT,
        status: "failed",
        error: TEXT,
        startedAt: at(0),
        endedAt: at(5000),
        agent: `agent2 ${EMAIL}`,
        team: `team2 ${EMAIL}`,
        conversationId: `conv2 ${EMAIL}`,
        attributes: { note: TEXT, [EMAIL]: TEXT, nested: { list: [TEXT] }, card: Number(CARD) },
      },
      {
        traceId,
        spanId: randomSpanId(),
        parentSpanId: root,
        kind: "llm_call",
        name: TEXT,
        startedAt: at(10),
        endedAt: at(100),
        model: `model ${EMAIL}`,
        provider: `provider ${EMAIL}`,
        promptName: `prompt ${EMAIL}`,
        promptVersion: 2,
        inputTokens: 5,
        tool: `tool ${EMAIL}`,
        arguments: { to: EMAIL, deep: JSON.parse(nestedJson(MAX_JSON_DEPTH - 4)) },
        result: TEXT,
        inputMessages: [{ role: "user", content: TEXT }],
        outputMessages: [{ role: "assistant", content: [{ text: TEXT }] }],
        decision: { chosen: TEXT, rationale: TEXT, alternatives: [TEXT, { why: TEXT }] },
      },
    ],
    evaluations: [
      { traceId, name: TEXT, score: 0.5, label: TEXT.slice(0, 200), comment: TEXT },
      { traceId, spanId: root, kind: "output", name: `eval ${EMAIL}`, passed: false, label: `label ${EMAIL}`, comment: TEXT },
    ],
  };
}

/** Every text-like column of every table, and the values found in it. */
async function findNeedles(): Promise<string[]> {
  const columns = await db.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT table_name::text, column_name::text FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
      AND (data_type IN ('text', 'character varying', 'json', 'jsonb') OR udt_name IN ('_text', '_varchar'))`;
  expect(columns.length).toBeGreaterThan(20);
  const hits: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    for (const needle of NEEDLES) {
      const [row] = await db.$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "${table}" WHERE "${column}"::text ILIKE $1`,
        `%${needle.replaceAll("%", "\\%").replaceAll("_", "\\_")}%`,
      );
      if (row!.n > 0) hits.push(`${table}.${column} holds ${needle === EMAIL ? "the e-mail" : needle === CARD ? "the card" : "the secret"}`);
    }
  }
  return hits;
}

describe("redaction covers every text stored from telemetry", () => {
  it("stores none of the corpus from OTLP/JSON, OTLP protobuf or the native API", async () => {
    const jsonTrace = randomTraceId();
    const json = await postOtlp(key, otlpJsonRequest(otlpCorpus(jsonTrace)));
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({});

    const protoTrace = randomTraceId();
    const proto = await postOtlp(key, otlpProtobufRequest(otlpCorpus(protoTrace)));
    expect(proto.status).toBe(200);

    const nativeTrace = randomTraceId();
    const native = await postNative(key, nativeCorpus(nativeTrace));
    expect(native.status).toBe(200);
    expect(await native.json()).toMatchObject({ accepted: { runs: 1, steps: 2, evaluations: 2 }, errors: [] });

    // The corpus did arrive: the runs, steps and evaluations are there, with markers where the values were.
    const runs = await db.run.findMany({ where: { traceId: { in: [jsonTrace, protoTrace, nativeTrace] } }, include: { steps: true, evaluations: true } });
    expect(runs).toHaveLength(3);
    expect(runs.flatMap((r) => r.steps)).toHaveLength(6 + 6 + 2);
    expect(runs.flatMap((r) => r.evaluations).length).toBeGreaterThanOrEqual(2);
    for (const run of runs) expect(run.name).toMatch(/\[REDACTED:EMAIL\]/);
    expect(runs.flatMap((r) => r.steps).every((s) => s.redactions > 0)).toBe(true);

    expect(await findNeedles()).toEqual([]);
  });

  it("the scan finds the values where they are stored (control: redaction off)", async () => {
    await db.setting.update({ where: { key: REDACTION_ENABLED_KEY }, data: { value: false } });
    const traceId = randomTraceId();
    const start = Date.now() - 10_000;
    const res = await postOtlp(key, otlpJsonRequest({ spans: [{ traceId, spanId: randomSpanId(), name: TEXT, startNanos: nanosOf(start), endNanos: nanosOf(start + 10), attributes: everyKind }] }));
    expect(res.status).toBe(200);
    const hits = await findNeedles();
    expect(hits).toContain("Step.name holds the e-mail");
    expect(hits).toContain("Step.attributes holds the card");
    expect(hits).toContain("Run.name holds the secret");
  });

  it("the store's walker redacts keys and integer card numbers, and puts a marker past the depth limit, never the raw rest", () => {
    const r = new TextRedaction(createRedactor({ enabled: true, builtins: {}, custom: [] }));
    const deep = JSON.parse(nestedJson(MAX_JSON_DEPTH + 10)) as JsonValue;
    const out = JSON.stringify(r.json({ [EMAIL]: TEXT, [`${EMAIL} `]: 1, card: Number(CARD), deep }));
    for (const needle of NEEDLES) expect(out).not.toContain(needle);
    expect(out).toContain("[REDACTED:TOO_DEEP]");
    // Two keys redacted alike are both kept.
    expect(Object.keys(JSON.parse(out) as object)).toHaveLength(4);
    expect(r.count).toBeGreaterThan(4);
  });
});
