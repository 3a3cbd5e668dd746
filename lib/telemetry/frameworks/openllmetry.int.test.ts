/**
 * OpenLLMetry (Traceloop's Node SDK, its own OTLP exporter and its OpenAI instrumentation), from the real
 * packages: `traceloop.initialize` pointed at the ingest route, `withAgent` / `withTool` around an OpenAI
 * client (openai 6) talking to a fake OpenAI-compatible server on 127.0.0.1. Asserts the agent step and its
 * name, the LLM calls with tokens and exact cost, messages, the tool call's name, arguments and result
 * (`traceloop.entity.*`), and the association properties as the run's conversation and team.
 */
import { randomBytes } from "node:crypto";
import { context, propagation, trace } from "@opentelemetry/api";
import * as traceloop from "@traceloop/node-server-sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { priceModel, startFakeOpenAI, startReceiver, storedRun, type Receiver } from "./harness";

const suffix = randomBytes(4).toString("hex");
const MODEL = `fw-tl-model-${suffix}`;
const PRICE = { input: 1, output: 4, cached: 0.25 };
const cost = (input: number, output: number) => (input * PRICE.input + output * PRICE.output) / 1_000_000;

let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  traceloop.initialize({
    appName: "traceloop-service",
    // The OTLP base: the SDK appends /v1/traces.
    baseUrl: receiver.endpoint.replace(/\/v1\/traces$/, ""),
    headers: receiver.headers,
    disableBatch: true,
    instrumentModules: { openAI: OpenAI },
    silenceInitializationMessage: true,
    traceloopSyncEnabled: false,
  });
  await priceModel(MODEL, PRICE.input, PRICE.output, PRICE.cached);
});

afterAll(async () => {
  await traceloop.forceFlush();
  trace.disable();
  context.disable();
  propagation.disable();
  await receiver.close();
});

const completion = (message: object, prompt: number, completionTokens: number) => ({
  id: `chatcmpl-${randomBytes(4).toString("hex")}`,
  object: "chat.completion",
  created: Math.floor(Date.now() / 1000),
  model: MODEL,
  choices: [{ index: 0, message, finish_reason: "tool_calls" in message ? "tool_calls" : "stop" }],
  usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens },
});

describe("OpenLLMetry (Traceloop SDK)", () => {
  it("an agent with a tool: agent name, LLM calls priced, messages, tool arguments and result, association properties", async () => {
    const agent = `tl-agent-${suffix}`;
    const session = `tl-session-${suffix}`;
    const args = { city: "Oslo" };
    const fake = await startFakeOpenAI([
      completion({ role: "assistant", content: null, tool_calls: [{ id: "call-3", type: "function", function: { name: "weather", arguments: JSON.stringify(args) } }] }, 700, 18),
      completion({ role: "assistant", content: "4 °C in Oslo." }, 760, 9),
    ]);
    const client = new OpenAI({ apiKey: "test", baseURL: fake.baseURL, maxRetries: 0 });
    const weather = (input: { city: string }) => traceloop.withTool({ name: "weather" }, async (a: { city: string }) => ({ city: a.city, temperature: 4 }), input);

    const answer = await traceloop.withAgent({ name: agent, associationProperties: { session_id: session, team: `tl-team-${suffix}` } }, async () => {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Oslo?" }];
      const first = await client.chat.completions.create({ model: MODEL, messages });
      const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
      messages.push(first.choices[0]!.message);
      const result = await weather(JSON.parse(call.function.arguments) as { city: string });
      messages.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
      const second = await client.chat.completions.create({ model: MODEL, messages });
      return second.choices[0]!.message.content;
    });
    expect(answer).toBe("4 °C in Oslo.");
    await fake.close();

    let run = null;
    for (let attempt = 0; attempt < 40 && (run === null || run.steps.length < 4); attempt++) {
      await traceloop.forceFlush();
      const found = await db.run.findMany({ where: { agent: { name: agent } }, select: { traceId: true } });
      run = found[0] ? await storedRun(found[0].traceId) : null;
      if (!run || run.steps.length < 4) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(run).not.toBeNull();
    expect(run!.steps.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(["AGENT " + `${agent}.agent`, `LLM_CALL chat ${MODEL}`, `LLM_CALL chat ${MODEL}`, "TOOL_CALL weather.tool"]);
    expect(run!.agent?.name).toBe(agent);
    expect(run!.conversationId).toBe(session);
    expect(run!.team?.name).toBe(`tl-team-${suffix}`);

    const calls = run!.steps.filter((s) => s.kind === "LLM_CALL").sort((x, y) => (x.inputTokens ?? 0) - (y.inputTokens ?? 0));
    expect(calls.map((c) => [c.model, c.inputTokens, c.outputTokens])).toEqual([
      [MODEL, 700, 18],
      [MODEL, 760, 9],
    ]);
    expect(Number(run!.costUsd)).toBeCloseTo(cost(700, 18) + cost(760, 9), 12);
    // OpenLLMetry writes the current GenAI message attributes (gen_ai.input.messages / output.messages).
    expect(calls[0]!.inputMessages).toEqual([{ role: "user", parts: [{ type: "text", content: "Weather in Oslo?" }] }]);
    expect(calls[0]!.outputMessages).toEqual([{ role: "assistant", parts: [{ id: "call-3", name: "weather", type: "tool_call", arguments: args }], finish_reason: "tool_call" }]);
    expect(calls[1]!.outputMessages).toEqual([{ role: "assistant", parts: [{ type: "text", content: "4 °C in Oslo." }], finish_reason: "stop" }]);

    const toolStep = run!.steps.find((s) => s.kind === "TOOL_CALL")!;
    expect(toolStep).toMatchObject({ tool: "weather", arguments: args, result: { city: "Oslo", temperature: 4 } });
    expect(toolStep.attributes).toMatchObject({ "flightdeck.mapped_from": { tool: "traceloop.entity.name", arguments: "traceloop.entity.input", result: "traceloop.entity.output" } });
  });
});
