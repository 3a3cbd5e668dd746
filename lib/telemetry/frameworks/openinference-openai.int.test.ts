/**
 * OpenInference's OpenAI instrumentation, from the real packages (openai 6, the newest major that runs on
 * Node 20; @arizeai/openinference-instrumentation-openai), the client talking to a fake OpenAI-compatible
 * server on 127.0.0.1, reporting through a real NodeTracerProvider and OTLP exporter into the ingest route.
 * The app names its agent and session with openinference-core's context attributes and runs its tool in
 * a TOOL span, as OpenInference's docs show. Asserts tokens, cached tokens, exact cost, the model from the
 * response, tool calls inside messages as objects, the tool's arguments (not its schema), agent and session.
 */
import { randomBytes } from "node:crypto";
import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import { setAttributes, setSession } from "@arizeai/openinference-core";
import { context, trace } from "@opentelemetry/api";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { priceModel, startFakeOpenAI, startReceiver, startTracing, storedRun, type Receiver, type Tracing } from "./harness";

const suffix = randomBytes(4).toString("hex");
const MODEL = `fw-oai-model-${suffix}`;
const PRICE = { input: 0.15, output: 0.6, cached: 0.075 };
const cost = (input: number, cached: number, output: number) => ((input - cached) * PRICE.input + cached * PRICE.cached + output * PRICE.output) / 1_000_000;

let receiver: Receiver;
let tracing: Tracing;
const instrumentation = new OpenAIInstrumentation();

beforeAll(async () => {
  receiver = await startReceiver();
  tracing = startTracing(receiver, "openai-service");
  instrumentation.setTracerProvider(trace.getTracerProvider());
  instrumentation.manuallyInstrument(OpenAI);
  await priceModel(MODEL, PRICE.input, PRICE.output, PRICE.cached);
});

afterAll(async () => {
  instrumentation.disable();
  await tracing.shutdown();
  await receiver.close();
});

const completion = (message: object, usage: { prompt: number; cached: number; completion: number }) => ({
  id: `chatcmpl-${randomBytes(4).toString("hex")}`,
  object: "chat.completion",
  created: Math.floor(Date.now() / 1000),
  model: MODEL,
  choices: [{ index: 0, message, finish_reason: "tool_calls" in message ? "tool_calls" : "stop" }],
  usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion, prompt_tokens_details: { cached_tokens: usage.cached } },
});

describe("OpenInference OpenAI client", () => {
  it("chat completions with a tool: agent.name over the service name, tokens and cached tokens priced, nested tool calls, tool arguments, session", async () => {
    const agent = `oai-agent-${suffix}`;
    const session = `oai-session-${suffix}`;
    const args = { city: "Oslo", unit: "C" };
    const fake = await startFakeOpenAI([
      completion({ role: "assistant", content: null, tool_calls: [{ id: "call-9", type: "function", function: { name: "weather", arguments: JSON.stringify(args) } }] }, { prompt: 800, cached: 512, completion: 25 }),
      completion({ role: "assistant", content: "It is 4 °C in Oslo." }, { prompt: 900, cached: 0, completion: 12 }),
    ]);
    const client = new OpenAI({ apiKey: "test", baseURL: fake.baseURL, maxRetries: 0 });
    const tracer = tracing.tracer;
    const schema = { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } } };

    const ctx = setAttributes(setSession(context.active(), { sessionId: session }), { "agent.name": agent });
    const answer = await context.with(ctx, () =>
      tracer.startActiveSpan("weather-agent", { attributes: { "openinference.span.kind": "AGENT" } }, async (root) => {
        const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Oslo?" }];
        const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: "function", function: { name: "weather", parameters: schema } }];
        const first = await client.chat.completions.create({ model: MODEL, messages, tools });
        const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
        messages.push(first.choices[0]!.message);
        // The app's tool span, as OpenInference describes it: the schema in tool.parameters, the call in input.value.
        const result = await tracer.startActiveSpan(
          "weather",
          { attributes: { "openinference.span.kind": "TOOL", "tool.name": "weather", "tool.parameters": JSON.stringify(schema), "input.value": call.function.arguments, "input.mime_type": "application/json" } },
          async (span) => {
            const output = JSON.stringify({ temperature: 4 });
            span.setAttributes({ "output.value": output, "output.mime_type": "application/json" });
            span.end();
            return output;
          },
        );
        messages.push({ role: "tool", tool_call_id: call.id, content: result });
        const second = await client.chat.completions.create({ model: MODEL, messages, tools });
        root.end();
        return second.choices[0]!.message.content;
      }),
    );
    expect(answer).toBe("It is 4 °C in Oslo.");
    await fake.close();

    let run = null;
    for (let attempt = 0; attempt < 40 && (run === null || run.steps.length < 4); attempt++) {
      await tracing.flush();
      const found = await db.run.findMany({ where: { agent: { name: agent } }, select: { traceId: true } });
      run = found[0] ? await storedRun(found[0].traceId) : null;
      if (!run || run.steps.length < 4) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(run).not.toBeNull();
    expect(run!.agent?.name).toBe(agent);
    expect(run!.conversationId).toBe(session);
    expect(run!.steps.map((s) => s.kind).sort()).toEqual(["AGENT", "LLM_CALL", "LLM_CALL", "TOOL_CALL"]);

    const calls = run!.steps.filter((s) => s.kind === "LLM_CALL").sort((x, y) => (x.inputTokens ?? 0) - (y.inputTokens ?? 0));
    expect(calls.map((c) => [c.model, c.inputTokens, c.cachedInputTokens, c.outputTokens])).toEqual([
      [MODEL, 800, 512, 25],
      [MODEL, 900, 0, 12],
    ]);
    // Each call names its agent from the context attribute, not from the resource's service.name.
    for (const c of calls) expect(c.attributes).toMatchObject({ "flightdeck.mapped_from": { agentName: "agent.name", conversationId: "session.id", model: "llm.model_name" } });
    expect(Number(calls[0]!.costUsd)).toBeCloseTo(cost(800, 512, 25), 12);
    expect(Number(run!.costUsd)).toBeCloseTo(cost(800, 512, 25) + cost(900, 0, 12), 12);
    expect(calls[0]!.inputMessages).toEqual([{ role: "user", content: "Weather in Oslo?" }]);
    expect(calls[0]!.outputMessages).toEqual([{ role: "assistant", tool_calls: [{ id: "call-9", function: { name: "weather", arguments: JSON.stringify(args) } }] }]);
    expect(calls[1]!.outputMessages).toEqual([{ role: "assistant", content: "It is 4 °C in Oslo." }]);
    // The tool's result message in the second call's input, as an object with its call id.
    expect(calls[1]!.inputMessages).toEqual(expect.arrayContaining([expect.objectContaining({ role: "tool", tool_call_id: "call-9" })]));

    const toolStep = run!.steps.find((s) => s.kind === "TOOL_CALL")!;
    expect(toolStep).toMatchObject({ tool: "weather", arguments: args, result: { temperature: 4 } });
    expect(toolStep.attributes).toMatchObject({ "tool.parameters": JSON.stringify(schema) });
  });
});
