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
    [{ "openinference.span.kind": "GUARDRAIL" }, "DECISION"],
    [{ "gen_ai.operation.name": "apply_guardrail" }, "DECISION"],
    [{ "ai.operationId": "ai.generateText", "ai.model.id": "m" }, "AGENT"],
    [{ "ai.operationId": "ai.streamObject" }, "AGENT"],
    [{ "ai.operationId": "ai.generateText.doGenerate" }, "LLM_CALL"],
    [{ "ai.operationId": "ai.streamText.doStream" }, "LLM_CALL"],
    [{ "ai.operationId": "ai.toolCall", "ai.toolCall.name": "x" }, "TOOL_CALL"],
    [{ "traceloop.span.kind": "workflow" }, "AGENT"],
    [{ "traceloop.span.kind": "tool" }, "TOOL_CALL"],
    [{ "traceloop.span.kind": "task" }, "OTHER"],
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

describe("mapSpan: frameworks", () => {
  it("Vercel AI SDK model call: SDK usage names, cached tokens, messages, functionId and metadata, with their sources", () => {
    const step = ok(
      span({
        "ai.operationId": "ai.generateText.doGenerate",
        "ai.telemetry.functionId": "support-agent",
        "ai.telemetry.metadata.sessionId": "conv-1",
        "ai.telemetry.metadata.team": "support",
        "ai.telemetry.metadata.promptName": "triage",
        "ai.telemetry.metadata.promptVersion": 3,
        "ai.telemetry.metadata.userId": "u-1",
        "ai.model.id": "gpt-4o-mini",
        "ai.model.provider": "openai.chat",
        "ai.usage.promptTokens": 100,
        "ai.usage.completionTokens": 7,
        "ai.usage.cachedInputTokens": 40,
        "ai.prompt.messages": '[{"role":"user","content":[{"type":"text","text":"hi"}]}]',
        "ai.response.text": "",
        "ai.response.toolCalls": '[{"toolCallId":"c1","toolName":"pay","input":"{\\"amount\\":5}"}]',
      }),
    );
    expect(step).toMatchObject({
      kind: "LLM_CALL",
      model: "gpt-4o-mini",
      provider: "openai.chat",
      inputTokens: 100,
      outputTokens: 7,
      cachedInputTokens: 40,
      agentName: "support-agent",
      conversationId: "conv-1",
      teamName: "support",
      promptName: "triage",
      promptVersion: 3,
      inputMessages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
      outputMessages: [{ role: "assistant", content: [{ type: "tool-call", toolCallId: "c1", toolName: "pay", input: { amount: 5 } }] }],
    });
    expect(step.attributes).toEqual({
      "ai.operationId": "ai.generateText.doGenerate",
      "ai.telemetry.metadata.userId": "u-1",
      "flightdeck.mapped_from": {
        agentName: "ai.telemetry.functionId",
        conversationId: "ai.telemetry.metadata.sessionId",
        teamName: "ai.telemetry.metadata.team",
        promptName: "ai.telemetry.metadata.promptName",
        promptVersion: "ai.telemetry.metadata.promptVersion",
        model: "ai.model.id",
        provider: "ai.model.provider",
        inputTokens: "ai.usage.promptTokens",
        outputTokens: "ai.usage.completionTokens",
        cachedInputTokens: "ai.usage.cachedInputTokens",
        inputMessages: "ai.prompt.messages",
        outputMessages: "ai.response.text",
      },
    });
  });

  it("Vercel AI SDK outer call: an agent step whose summed usage stays attributes; its prompt as messages", () => {
    const step = ok(span({ "ai.operationId": "ai.generateText", "ai.usage.inputTokens": 300, "ai.prompt": '{"system":"Be brief.","prompt":"Hi"}', "ai.response.text": "Hello" }, { parentSpanId: null }));
    expect(step).toMatchObject({ kind: "AGENT", inputTokens: null, inputMessages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], outputMessages: [{ role: "assistant", content: "Hello" }] });
    expect(step.attributes["ai.usage.inputTokens"]).toBe(300);
  });

  it("Vercel AI SDK 5: cached tokens from provider metadata when the usage has none", () => {
    const metadata = JSON.stringify({ anthropic: { usage: { input_tokens: 10, cache_read_input_tokens: 60 } } });
    const step = ok(span({ "ai.operationId": "ai.generateText.doGenerate", "ai.usage.promptTokens": 100, "ai.response.providerMetadata": metadata }));
    expect(step.cachedInputTokens).toBe(60);
    expect(step.attributes["ai.response.providerMetadata"]).toBe(metadata);
  });

  it("Vercel AI SDK tool call: name, arguments and result", () => {
    const step = ok(span({ "ai.operationId": "ai.toolCall", "ai.toolCall.name": "lookup", "ai.toolCall.id": "c1", "ai.toolCall.args": '{"id":1}', "ai.toolCall.result": '{"ok":true}' }));
    expect(step).toMatchObject({ kind: "TOOL_CALL", tool: "lookup", arguments: { id: 1 }, result: { ok: true } });
    expect(step.attributes).toMatchObject({ "ai.toolCall.id": "c1" });
  });

  it("an explicit agent name wins over the functionId and the service; the service is only the run's fallback", () => {
    expect(ok(span({ "gen_ai.agent.name": "explicit", "ai.telemetry.functionId": "fn", "agent.name": "oi" })).agentName).toBe("explicit");
    expect(ok(span({ "agent.name": "oi", "ai.telemetry.functionId": "fn" })).agentName).toBe("oi");
    expect(ok(span({ "ai.telemetry.metadata.agent": "meta", "ai.telemetry.functionId": "fn" })).agentName).toBe("meta");
    expect(ok(span({})).agentName).toBeNull();
  });

  it("OpenInference tool: arguments from input.value, never the tool's schema in tool.parameters", () => {
    const schema = '{"type":"object","properties":{"city":{"type":"string"}}}';
    const step = ok(span({ "openinference.span.kind": "TOOL", "tool.name": "weather", "tool.parameters": schema, "input.value": '{"city":"Oslo"}', "output.value": "sunny" }));
    expect(step).toMatchObject({ tool: "weather", arguments: { city: "Oslo" }, result: "sunny" });
    expect(step.attributes).toEqual({ "tool.parameters": schema, "flightdeck.mapped_from": { tool: "tool.name", arguments: "input.value", result: "output.value" } });
  });

  it("OpenInference messages: tool calls nested, not flattened keys; a CHAIN root is the run's agent step", () => {
    const step = ok(
      span({
        "openinference.span.kind": "LLM",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.tool_calls.0.tool_call.id": "c1",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "weather",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city":"Oslo"}',
        "llm.output_messages.0.message.tool_calls.1.tool_call.function.name": "time",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.contents.0.message_content.type": "text",
        "llm.input_messages.0.message.contents.0.message_content.text": "Weather?",
      }),
    );
    expect(step.outputMessages).toEqual([{ role: "assistant", tool_calls: [{ id: "c1", function: { name: "weather", arguments: '{"city":"Oslo"}' } }, { function: { name: "time" } }] }]);
    expect(step.inputMessages).toEqual([{ role: "user", contents: [{ type: "text", text: "Weather?" }] }]);
    expect(step.attributes["flightdeck.mapped_from"]).toEqual({ inputMessages: "llm.input_messages.*", outputMessages: "llm.output_messages.*" });
    expect(ok(span({ "openinference.span.kind": "CHAIN" }, { parentSpanId: null })).kind).toBe("AGENT");
  });

  it("flattened keys built to hurt stay flat: a huge index, a deep path", () => {
    const deep = Array.from({ length: 40 }, () => "a").join(".");
    const step = ok(span({ "gen_ai.prompt.0.parts.99999.text": "x", [`gen_ai.prompt.0.${deep}`]: "y" }));
    expect(step.inputMessages).toEqual([{ parts: { "99999": { text: "x" } }, [deep]: "y" }]);
  });

  it("OpenLLMetry: entity names, association properties, workflow as the agent's fallback", () => {
    const t = ok(span({ "traceloop.span.kind": "tool", "traceloop.entity.name": "search", "traceloop.entity.input": '{"q":"x"}', "traceloop.entity.output": '["r"]', "traceloop.workflow.name": "support", "traceloop.association.properties.session_id": "s-1", "traceloop.association.properties.team": "t" }));
    expect(t).toMatchObject({ kind: "TOOL_CALL", tool: "search", arguments: { q: "x" }, result: ["r"], agentName: "support", conversationId: "s-1", teamName: "t" });
    const a = ok(span({ "traceloop.span.kind": "agent", "traceloop.entity.name": "router", "traceloop.workflow.name": "support" }));
    expect(a).toMatchObject({ kind: "AGENT", agentName: "router" });
    expect(ok(span({ "traceloop.prompt.key": "triage", "traceloop.prompt.version": 2 }))).toMatchObject({ promptName: "triage", promptVersion: 2 });
    const entityInput = (input: string) => ok(span({ "traceloop.span.kind": "tool", "traceloop.entity.input": input })).arguments;
    expect(entityInput('{"args":[],"kwargs":{"city":"Oslo"}}')).toEqual({ city: "Oslo" });
    expect(entityInput('{"args":["Oslo"],"kwargs":{}}')).toBe("Oslo");
    expect(entityInput('{"args":["a","b"],"kwargs":{}}')).toEqual(["a", "b"]);
    expect(entityInput('{"args":["a"],"kwargs":{"b":1}}')).toEqual({ args: ["a"], kwargs: { b: 1 } });
  });

  it("GenAI now: cache writes stay attributes, guardrails are decisions, the tool-call decision is read", () => {
    const llm = ok(span({ "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.cache_write.input_tokens": 4, "gen_ai.usage.cache_creation.input_tokens": 4 }));
    expect(llm.attributes).toEqual({ "gen_ai.usage.cache_write.input_tokens": 4, "gen_ai.usage.cache_creation.input_tokens": 4 });
    const guard = ok(
      span({ "gen_ai.operation.name": "apply_guardrail" }, { events: [{ name: "gen_ai.guardrail.result", timeUnixNano: ns(NOW - 1500), attributes: { "gen_ai.guardrail.decision.type": "deny", "gen_ai.guardrail.decision.reason": "PII" } }] }),
    );
    expect(guard).toMatchObject({ kind: "DECISION", decision: { chosen: "deny", rationale: "PII", alternatives: [], confidence: null } });
    expect(guard.attributes["otel.events"]).toHaveLength(1);
    const tool = ok(span({ "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "pay", "gen_ai.tool.call.decision": "require_approval" }));
    expect(tool.decision).toEqual({ chosen: "require_approval", rationale: null, alternatives: [], confidence: null });
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
