/**
 * The example invoice agent: the whole loop an agent runs against Flightdeck,
 * on the AI SDK's mock language model, so it needs no provider key.
 *
 *   fetch the production prompt → reserve budget → the model asks to pay an
 *   invoice over the policy's limit → clearance (a compliance user approves it
 *   in the browser, possibly with a lower amount) → the tool runs with the
 *   approved amount → the model reports it.
 *
 * Its spans (the AI SDK's `experimental_telemetry` and one root span) go to
 * the console over OTLP, so the run shows on one timeline with its prompt
 * version, cost, clearance and decision.
 *
 *   FLIGHTDECK_URL=http://localhost:3000 FLIGHTDECK_API_KEY=fd_… npm run example:agent
 */
import { randomUUID } from "node:crypto";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
// In an agent of your own: `import { … } from "@flightdeck/sdk";`
import { AgentStoppedError, BudgetDeniedError, ClearanceRejectedError, createFlightdeck, FlightdeckError } from "../../sdk/src/index.js";
import { ensurePolicy, runLink } from "./console.js";

const BASE_URL = (process.env.FLIGHTDECK_URL ?? "http://localhost:3000").replace(/\/$/, "");
const API_KEY = process.env.FLIGHTDECK_API_KEY ?? "";
const AGENT = process.env.FLIGHTDECK_AGENT ?? "invoice-reconciler";
const PROMPT = process.env.FLIGHTDECK_PROMPT ?? "invoice-reconcile";
const MODEL = "gpt-4o";
const INVOICE = { invoice: "2026-114", supplier: "ACME GmbH", amount: 12_500, currency: "EUR" };

if (!API_KEY) {
  console.error("Set FLIGHTDECK_API_KEY (Settings › API keys, or the INIT_API_KEY the console was started with).");
  process.exit(2);
}

// Tracing first: a registered provider brings the context manager that nests the spans into one run.
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ "service.name": "invoice-agent-example" }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${BASE_URL}/api/otel/v1/traces`, headers: { Authorization: `Bearer ${API_KEY}` } }))],
});
provider.register();
const tracer = trace.getTracer("invoice-agent-example");

const fd = createFlightdeck({ baseUrl: BASE_URL, apiKey: API_KEY, agent: AGENT });
fd.watchStatus();

const usage = (input: number, cached: number, output: number) => ({
  inputTokens: { total: input, noCache: input - cached, cacheRead: cached, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

/** Stands in for a real model: first asks to pay the invoice, then reports what the tool did. */
const model = new MockLanguageModelV3({
  provider: "openai",
  modelId: MODEL,
  doGenerate: async ({ prompt }) => {
    const result = prompt.flatMap((m) => (m.role === "tool" ? m.content : [])).find((p) => p.type === "tool-result");
    if (!result) {
      return {
        content: [{ type: "tool-call", toolCallId: `call-${randomUUID().slice(0, 8)}`, toolName: "payInvoice", input: JSON.stringify(INVOICE) }],
        finishReason: { unified: "tool-calls", raw: "tool_calls" },
        usage: usage(1_450, 1_024, 60),
        warnings: [],
      };
    }
    const paid = result.output.type === "json" ? (result.output.value as { paid: number; currency: string }) : null;
    return {
      content: [{ type: "text", text: paid ? `Paid ${paid.paid} ${paid.currency} on invoice ${INVOICE.invoice}; the rest waits for the credit note.` : "The payment did not go through." }],
      finishReason: { unified: "stop", raw: "stop" },
      usage: usage(1_600, 1_024, 40),
      warnings: [],
    };
  },
});

const payInvoice = fd.withClearance(
  tool({
    description: "Pays a supplier invoice through the ERP.",
    inputSchema: z.object({ invoice: z.string(), supplier: z.string(), amount: z.number(), currency: z.string() }),
    execute: async (input) => {
      console.log(`→ erp.pay_invoice runs with the approved arguments: ${JSON.stringify(input)}`);
      return { paid: input.amount, currency: input.currency, reference: `PAY-${input.invoice}` };
    },
  }),
  {
    name: "erp.pay_invoice",
    reason: (a) => `Invoice ${String(a.invoice)} of ${String(a.supplier)} is due today`,
    confidence: 0.82,
    deadline: 15 * 60_000,
    onCleared: (c) => console.log(`✓ cleared (${c.status}${c.argumentsChanged ? ", with changed arguments" : ""})${c.comment ? `: “${c.comment}”` : ""}`),
  },
);

async function main(): Promise<string> {
  await ensurePolicy(BASE_URL, API_KEY, AGENT);
  return tracer.startActiveSpan("invoice-agent.run", { attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": AGENT } }, async (span) => {
    try {
      const prompt = await fd.getPrompt(PROMPT, {
        label: "production",
        key: span.spanContext().traceId,
        variables: { supplier: INVOICE.supplier, tolerance: 2 },
        fallback: "You reconcile invoices of {{supplier}} against purchase orders. Ask for clearance before paying above your limit.",
      });
      console.log(`Prompt ${prompt.name} v${prompt.version ?? "(fallback)"} (${prompt.source})`);
      const reservation = await fd.reserveBudget({ estimatedCostUsd: 0.05, ttlSeconds: 900 });
      console.log(`Budget reserved: ${reservation.id}${reservation.remainingUsd === null ? "" : `, $${reservation.remainingUsd.toFixed(2)} left this month`}`);
      console.log(`Waiting for clearance: a compliance user decides at ${BASE_URL}/escalations …`);
      const system = typeof prompt.compiled === "string" ? prompt.compiled : prompt.compiled.map((m) => m.content).join("\n");
      const result = await generateText({
        model,
        system,
        prompt: `Pay invoice ${INVOICE.invoice} of ${INVOICE.supplier}: ${INVOICE.amount} ${INVOICE.currency}.`,
        tools: { payInvoice },
        stopWhen: stepCountIs(3),
        experimental_telemetry: {
          isEnabled: true,
          functionId: AGENT,
          metadata: { promptName: prompt.name, ...(prompt.version ? { promptVersion: prompt.version } : {}), sessionId: `invoice-${INVOICE.invoice}` },
        },
      });
      console.log(`Model: ${result.text}`);
      span.setAttribute("flightdeck.run.outcome", "success");
      return span.spanContext().traceId;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      span.setAttribute("flightdeck.run.outcome", "failure");
      throw error;
    } finally {
      span.end();
    }
  });
}

try {
  const traceId = await main();
  await provider.forceFlush();
  console.log(`The run: ${await runLink(BASE_URL, API_KEY, traceId)}`);
} catch (error) {
  await provider.forceFlush().catch(() => undefined);
  if (error instanceof AgentStoppedError) console.error(`Stopped: the agent is ${error.status} (${error.reason ?? "no reason given"}).`);
  else if (error instanceof BudgetDeniedError) console.error(`No budget: ${error.reason}`);
  else if (error instanceof ClearanceRejectedError) console.error(`Rejected: ${error.comment ?? "no comment"}. Nothing was paid.`);
  else if (error instanceof FlightdeckError) console.error(`${error.name}: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
} finally {
  await fd.close();
  await provider.shutdown();
}
