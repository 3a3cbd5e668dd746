import { describe, expect, it } from "vitest";
import { mapSpan, parseJsonish, truncate } from "./mapping";
import { findUnstorable, MAX_JSON_DEPTH } from "./storable";
import { decodeOtlpJson, type Attributes, type OtlpSpan } from "./otlp";

const NOW = Date.UTC(2025, 5, 1, 12);
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

function span(attributes: Attributes, extra: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    parentSpanId: "00f067aa0ba902b7",
    name: "op",
    kind: 1,
    startTimeUnixNano: ns(NOW - 2000),
    endTimeUnixNano: ns(NOW - 1000),
    attributes,
    events: [],
    statusCode: 0,
    statusMessage: "",
    resource: { "service.name": "svc" },
    scopeName: "",
    ...extra,
  };
}

function ok(s: OtlpSpan) {
  const r = mapSpan(s, NOW);
  if (!r.ok) throw new Error(r.message);
  return r.step;
}

function rejected(s: OtlpSpan): string {
  const r = mapSpan(s, NOW);
  if (r.ok) throw new Error("expected a rejection");
  return r.message;
}

describe("mapSpan: kinds", () => {
  it.each([
    [{ "gen_ai.operation.name": "chat" }, "LLM_CALL"],
    [{ "gen_ai.operation.name": "text_completion" }, "LLM_CALL"],
    [{ "gen_ai.operation.name": "generate_content" }, "LLM_CALL"],
    [{ "gen_ai.operation.name": "execute_tool" }, "TOOL_CALL"],
    [{ "gen_ai.operation.name": "invoke_agent" }, "AGENT"],
    [{ "gen_ai.operation.name": "create_agent" }, "AGENT"],
    [{ "openinference.span.kind": "LLM" }, "LLM_CALL"],
    [{ "openinference.span.kind": "TOOL" }, "TOOL_CALL"],
    [{ "openinference.span.kind": "CHAIN" }, "OTHER"],
    [{ "flightdeck.decision.chosen": "a" }, "DECISION"],
    [{ "flightdeck.state.to": "done" }, "STATE_TRANSITION"],
    [{ "flightdeck.step.kind": "escalation" }, "ESCALATION"],
    [{ "gen_ai.request.model": "gpt-4o" }, "LLM_CALL"],
    [{ "gen_ai.tool.name": "search" }, "TOOL_CALL"],
    [{ "http.method": "GET" }, "OTHER"],
  ] as [Attributes, string][])("%o → %s", (attributes, kind) => {
    expect(ok(span(attributes)).kind).toBe(kind);
  });
});

describe("mapSpan: fields", () => {
  it("reads current and legacy token and provider names, preferring the response model", () => {
    const current = ok(span({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.provider.name": "openai", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 3, "gen_ai.usage.cache_read.input_tokens": 4 }));
    expect(current).toMatchObject({ model: "gpt-4o-2024-08-06", provider: "openai", inputTokens: 10, outputTokens: 3, cachedInputTokens: 4, attributes: {} });
    const legacy = ok(span({ "gen_ai.system": "anthropic", "gen_ai.request.model": "claude", "gen_ai.usage.prompt_tokens": "12", "gen_ai.usage.completion_tokens": 5 }));
    expect(legacy).toMatchObject({ provider: "anthropic", inputTokens: 12, outputTokens: 5, cachedInputTokens: null });
  });

  it("keeps attributes it does not map, and names the agent from gen_ai.agent.name or the service", () => {
    const step = ok(span({ "gen_ai.agent.name": "router", "http.status_code": 200, "custom.flag": true }));
    expect(step.attributes).toEqual({ "http.status_code": 200, "custom.flag": true });
    expect(step.agentName).toBe("router");
    expect(step.serviceName).toBe("svc");
    expect(ok(span({}, { resource: { "service.name": "unknown_service:node" } })).serviceName).toBeNull();
  });

  it("marks error status and error.type as failed, with the best message", () => {
    expect(ok(span({}, { statusCode: 2, statusMessage: "boom" }))).toMatchObject({ status: "FAILED", error: "boom" });
    expect(ok(span({ "error.type": "TimeoutError" }))).toMatchObject({ status: "FAILED", error: "TimeoutError" });
    const fromEvent = ok(span({}, { statusCode: 2, events: [{ name: "exception", timeUnixNano: ns(NOW - 1500), attributes: { "exception.message": "disk full" } }] }));
    expect(fromEvent).toMatchObject({ status: "FAILED", error: "disk full" });
    expect(fromEvent.attributes["otel.events"]).toEqual([{ name: "exception", time: new Date(NOW - 1500).toISOString(), attributes: { "exception.message": "disk full" } }]);
    expect(ok(span({}, { statusCode: 1 }))).toMatchObject({ status: "OK", error: null });
  });

  it("reads decisions, prompts, outcome and tool calls", () => {
    const step = ok(
      span({
        "flightdeck.decision.chosen": "refund",
        "flightdeck.decision.rationale": "policy 4",
        "flightdeck.decision.alternatives": '["deny", "escalate"]',
        "flightdeck.decision.confidence": 0.7,
        "flightdeck.prompt.name": "triage",
        "flightdeck.prompt.version": "4",
        "flightdeck.team": "support",
        "flightdeck.run.outcome": "Failure",
      }),
    );
    expect(step).toMatchObject({
      decision: { chosen: "refund", rationale: "policy 4", alternatives: ["deny", "escalate"], confidence: 0.7 },
      promptName: "triage",
      promptVersion: 4,
      teamName: "support",
      runOutcome: "FAILURE",
    });
    const tool = ok(span({ "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "pay", "gen_ai.tool.call.arguments": '{"amount": 12}', "gen_ai.tool.call.result": "paid" }));
    expect(tool).toMatchObject({ tool: "pay", arguments: { amount: 12 }, result: "paid" });
  });

  it("prefers a cost the span carries", () => {
    expect(ok(span({ "gen_ai.usage.cost": 0.25 })).carriedCostUsd).toBe(0.25);
    expect(ok(span({ "flightdeck.cost_usd": "0.5" })).carriedCostUsd).toBe(0.5);
    expect(ok(span({})).carriedCostUsd).toBeNull();
  });

  it("treats a zero parent id as none", () => {
    expect(ok(span({}, { parentSpanId: "0000000000000000" })).parentSpanId).toBeNull();
  });
});

describe("mapSpan: rejections", () => {
  it.each([
    ["a short trace id", span({}, { traceId: "abc" }), /traceId/],
    ["an all-zero trace id", span({}, { traceId: "0".repeat(32) }), /traceId/],
    ["a missing span id", span({}, { spanId: "" }), /spanId/],
    ["no start time", span({}, { startTimeUnixNano: 0n }), /startTimeUnixNano is required/],
    ["a start in year 3000", span({}, { startTimeUnixNano: ns(Date.UTC(3000, 0, 1)), endTimeUnixNano: ns(Date.UTC(3000, 0, 1)) }), /in the future/],
    ["a start in 1970", span({}, { startTimeUnixNano: 5n, endTimeUnixNano: 6n }), /before the year 2000/],
    ["an end before the start", span({}, { endTimeUnixNano: ns(NOW - 5000) }), /before startTimeUnixNano/],
    ["negative tokens", span({ "gen_ai.usage.input_tokens": -1 }), /whole number/],
    ["fractional tokens", span({ "gen_ai.usage.output_tokens": 1.5 }), /whole number/],
    ["absurd tokens", span({ "gen_ai.usage.output_tokens": 1e12 }), /whole number/],
    ["text tokens", span({ "gen_ai.usage.output_tokens": "many" }), /must be a number/],
    ["a negative cost", span({ "gen_ai.usage.cost": -0.1 }), /cost/],
    ["a confidence above 1", span({ "flightdeck.decision.chosen": "x", "flightdeck.decision.confidence": 1.5 }), /confidence/],
    ["an unknown outcome", span({ "flightdeck.run.outcome": "meh" }), /outcome/],
    ["a prompt version of 0", span({ "flightdeck.prompt.version": 0 }), /prompt.version/],
    ["an unknown explicit kind", span({ "flightdeck.step.kind": "MAGIC" }), /step.kind/],
  ])("rejects %s", (_label, s, message) => {
    expect(rejected(s)).toMatch(message);
  });
});

const nested = (depth: number): Attributes[string] => {
  let v: Attributes[string] = "leaf";
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};
const deepJson = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
const huge = 10n ** 27n;

describe("mapSpan: what PostgreSQL cannot store is rejected with the span alone", () => {
  it.each([
    ["a start beyond any date", span({}, { startTimeUnixNano: huge, endTimeUnixNano: huge }), /startTimeUnixNano is in the future \(1000000000000000000000000000 ns\)/],
    ["an end beyond any date", span({}, { endTimeUnixNano: huge }), /endTimeUnixNano is in the future/],
    ["an event time beyond any date", span({}, { events: [{ name: "e", timeUnixNano: huge, attributes: {} }] }), /events\[0\]\.timeUnixNano is in the future/],
    ["an event time in year 2554", span({}, { events: [{ name: "e", timeUnixNano: 2n ** 64n - 1n, attributes: {} }] }), /events\[0\].*in the future \(2554/],
    ["a NUL in the name", span({}, { name: "a\u0000b" }), /^name contains a NUL character/],
    ["a NUL in the status message", span({}, { statusCode: 2, statusMessage: "a\u0000" }), /^error contains a NUL/],
    ["a lone surrogate in an attribute", span({ "app.x": "a\ud800" }), /^attributes\["app.x"\] contains a lone UTF-16 surrogate/],
    ["a lone low surrogate deep in a kvlist", span({ "app.m": { k: ["ok", "\udc00"] } }), /^attributes\["app.m"\]\["k"\]\[1\] contains a lone/],
    ["a NUL in an attribute key", span({ "app.\u0000": "v" }), /^attributes\["app.\\\\0"\] has a key that contains a NUL/],
    ["a NUL in an event attribute", span({}, { events: [{ name: "e", timeUnixNano: 0n, attributes: { k: "\u0000" } }] }), /^attributes\["otel.events"\]\[0\]\["attributes"\]\["k"\] contains a NUL/],
    ["a NUL in JSON text of the messages", span({ "gen_ai.input.messages": '[{"content":"a\\u0000"}]' }), /^inputMessages\[0\]\["content"\] contains a NUL/],
    ["a NUL in the agent name", span({ "gen_ai.agent.name": "a\u0000" }), /^agentName contains a NUL/],
    ["a lone surrogate in the decision", span({ "flightdeck.decision.chosen": "\ud800" }), /^decision\["chosen"\] contains a lone/],
    ["a NUL in the resource's service name", span({}, { resource: { "service.name": "svc\u0000" } }), /^serviceName contains a NUL/],
    ["JSON text nested thousands of levels deep", span({ "gen_ai.input.messages": deepJson(5000) }), new RegExp(`^inputMessages(\\[0\\]){${MAX_JSON_DEPTH}} nests deeper than ${MAX_JSON_DEPTH}`)],
    ["an attribute nested deeper than the limit", span({ "app.deep": nested(MAX_JSON_DEPTH) }), /^attributes\["app.deep"\].* nests deeper than 64 levels/],
    ["a decoder's problem", span({}, { problem: "an attribute value nests too deep" }), /^an attribute value nests too deep$/],
    ["a prompt version beyond int4", span({ "flightdeck.prompt.version": 3_000_000_000 }), /prompt.version must be a whole number from 1 to 2000000000/],
    ["tokens beyond int4", span({ "gen_ai.usage.input_tokens": "5000000000" }), /input_tokens must be a whole number from 0 to 2000000000/],
    ["a cost beyond Decimal(20,9)", span({ "gen_ai.usage.cost": 1e30 }), /cost must be between 0 and 1000000/],
    ["a cost that is not a number", span({ "gen_ai.usage.cost": "1e400" }), /must be a number/],
    ["an agent name too long for its index", span({ "gen_ai.agent.name": "a".repeat(201) }), /gen_ai.agent.name must be at most 200 characters/],
    ["a model name too long for the spend index", span({ "gen_ai.request.model": "m".repeat(5000) }), /model must be at most 200/],
    ["a prompt name too long for its index", span({ "flightdeck.prompt.name": "p".repeat(300) }), /prompt.name must be at most 200/],
  ] as [string, OtlpSpan, RegExp][])("rejects %s", (_label, s, message) => {
    expect(rejected(s)).toMatch(message);
  });

  it("accepts what is storable at the limits: a document exactly MAX_JSON_DEPTH deep, emoji, an event without a time", () => {
    // The attributes object is one level: a value of MAX_JSON_DEPTH - 1 levels fills the document.
    const step = ok(span({ "app.deep": nested(MAX_JSON_DEPTH - 1), "app.emoji": "🚀 ok" }, { events: [{ name: "e", timeUnixNano: 0n, attributes: {} }] }));
    expect(step.attributes["app.emoji"]).toBe("🚀 ok");
    expect(ok(span({ "gen_ai.input.messages": deepJson(MAX_JSON_DEPTH) })).inputMessages).toBeTruthy();
  });

  it("cuts a long name without splitting an emoji into a lone surrogate", () => {
    const step = ok(span({}, { name: `${"a".repeat(511)}🚀 and more` }));
    expect(step.name).toBe("a".repeat(511));
    expect(step.name.isWellFormed()).toBe(true);
    expect(truncate("ab🚀", 3)).toBe("ab");
    expect(truncate("a🚀b", 3)).toBe("a🚀");
  });
});

describe("findUnstorable", () => {
  it("finds the first bad string, key or depth with its path, and passes storable values", () => {
    expect(findUnstorable({ a: [1, "ok", { b: null }], c: true })).toBeNull();
    expect(findUnstorable({ a: [1, "x\u0000"] })).toEqual({ path: ["a", 1], message: expect.stringMatching(/NUL/) });
    expect(findUnstorable({ ["k\ud800"]: 1 })).toEqual({ path: ["k\ud800"], message: expect.stringMatching(/key that contains a lone/) });
    expect(findUnstorable(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(findUnstorable(nested(MAX_JSON_DEPTH + 1))?.message).toMatch(/nests deeper/);
    // Containers already around the value count: the native item is one.
    expect(findUnstorable(nested(MAX_JSON_DEPTH), 1)?.message).toMatch(/nests deeper/);
  });

  it("stops at the limit whatever the depth (its own recursion is bounded)", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findUnstorable(deep)?.message).toMatch(/nests deeper/);
  });
});

describe("parseJsonish", () => {
  it("parses JSON objects and arrays given as strings and leaves other strings alone", () => {
    expect(parseJsonish('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonish("[1,2]")).toEqual([1, 2]);
    expect(parseJsonish("{not json}")).toBe("{not json}");
    expect(parseJsonish("hello")).toBe("hello");
    expect(parseJsonish(undefined)).toBeNull();
  });
});

describe("decodeOtlpJson", () => {
  it("reads OTLP/JSON: hex ids, int64 strings, enum names, nested values, snake_case", () => {
    const [s] = decodeOtlpJson({
      resource_spans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "0AF7651916CD43DD8448EB211C80319C",
                  spanId: "b7ad6b7169203331",
                  parentSpanId: "",
                  name: "x",
                  kind: "SPAN_KIND_CLIENT",
                  startTimeUnixNano: "1700000000000000000",
                  endTimeUnixNano: 1700000001000000000,
                  attributes: [
                    { key: "i", value: { intValue: "9007199254740993" } },
                    { key: "d", value: { doubleValue: 0.5 } },
                    { key: "b", value: { boolValue: true } },
                    { key: "a", value: { arrayValue: { values: [{ stringValue: "x" }, { intValue: 2 }] } } },
                    { key: "m", value: { kvlistValue: { values: [{ key: "k", value: { stringValue: "v" } }] } } },
                  ],
                  status: { code: "STATUS_CODE_ERROR", message: "bad" },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(s).toMatchObject({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      parentSpanId: null,
      kind: 3,
      startTimeUnixNano: 1700000000000000000n,
      statusCode: 2,
      statusMessage: "bad",
      resource: { "service.name": "svc" },
      attributes: { i: "9007199254740993", d: 0.5, b: true, a: ["x", 2], m: { k: "v" } },
    });
  });

  it("stops decoding an AnyValue nested deeper than MAX_JSON_DEPTH and marks its span alone", () => {
    let value: unknown = { stringValue: "leaf" };
    for (let i = 0; i < 10_000; i++) value = { arrayValue: { values: [value] } };
    const spanJson = (spanId: string, attributes: unknown[]) => ({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId, name: "x", startTimeUnixNano: "1", attributes });
    const [deep, fine] = decodeOtlpJson({
      resourceSpans: [{ scopeSpans: [{ spans: [spanJson("b7ad6b7169203331", [{ key: "deep", value }]), spanJson("b7ad6b7169203332", [])] }] }],
    });
    expect(deep!.problem).toMatch(/nests deeper than 64 levels/);
    expect(rejected({ ...deep!, startTimeUnixNano: ns(NOW - 2000), endTimeUnixNano: 0n })).toMatch(/nests deeper/);
    expect(fine!.problem).toBeUndefined();
  });

  it("throws 400 for a structure that is not OTLP", () => {
    expect(() => decodeOtlpJson([])).toThrow(/JSON object/);
    expect(() => decodeOtlpJson({ resourceSpans: {} })).toThrow(/must be an array/);
  });
});
