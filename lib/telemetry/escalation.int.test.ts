import { describe, expect, it } from "vitest";
import type { Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { otlpRequest, randomSpanId, randomTraceId, type SpanSpec } from "@/tests/factories/otlp";
import { ingestOtlpJson } from "./ingest";

const actor: Actor = { type: "SYSTEM", label: "escalation test" };
const T0 = Date.now() - 10 * 60_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const runOf = (traceId: string) => db.run.findUniqueOrThrow({ where: { traceId }, select: { status: true, flagEscalated: true, stepCount: true } });

function llmCall(traceId: string, root: string, second: number): SpanSpec {
  return { traceId, parentSpanId: root, name: "chat", start: at(second), end: at(second + 1), attributes: { "gen_ai.operation.name": "chat", "gen_ai.agent.name": "escalating-agent" } };
}

function escalation(traceId: string, root: string, second: number, status: string): SpanSpec {
  return {
    traceId,
    parentSpanId: root,
    name: "escalation.request",
    start: at(second),
    end: at(second + 0.1),
    attributes: { "flightdeck.step.kind": "ESCALATION", "flightdeck.escalation.tool": "erp.pay", "flightdeck.escalation.status": status },
  };
}

describe("escalated runs at ingestion", () => {
  it("a running run waiting for clearance is ESCALATED and flagged; a later step resumes it; its root span ends it", async () => {
    const traceId = randomTraceId();
    const root = randomSpanId();
    await ingestOtlpJson(actor, otlpRequest([llmCall(traceId, root, 1), escalation(traceId, root, 3, "pending")]));
    expect(await runOf(traceId)).toEqual({ status: "ESCALATED", flagEscalated: true, stepCount: 2 });

    // Cleared: the agent goes on, in a later request.
    await ingestOtlpJson(actor, otlpRequest([llmCall(traceId, root, 60)]));
    expect(await runOf(traceId)).toEqual({ status: "RUNNING", flagEscalated: true, stepCount: 3 });

    await ingestOtlpJson(
      actor,
      otlpRequest([{ traceId, spanId: root, name: "invoke_agent", start: at(0), end: at(70), attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "escalating-agent" } }]),
    );
    expect(await runOf(traceId)).toEqual({ status: "SUCCEEDED", flagEscalated: true, stepCount: 4 });
  });

  it("a decided escalation flags the run without making it wait", async () => {
    const traceId = randomTraceId();
    const root = randomSpanId();
    await ingestOtlpJson(actor, otlpRequest([escalation(traceId, root, 1, "approved"), llmCall(traceId, root, 2)]));
    expect(await runOf(traceId)).toEqual({ status: "RUNNING", flagEscalated: true, stepCount: 2 });
  });

  it("the root span's flightdeck.run.escalated=true flags the run", async () => {
    const traceId = randomTraceId();
    const root = randomSpanId();
    await ingestOtlpJson(
      actor,
      otlpRequest([
        llmCall(traceId, root, 1),
        { traceId, spanId: root, name: "invoke_agent", start: at(0), end: at(5), attributes: { "gen_ai.agent.name": "escalating-agent", "flightdeck.run.escalated": true } },
      ]),
    );
    expect(await runOf(traceId)).toEqual({ status: "SUCCEEDED", flagEscalated: true, stepCount: 2 });

    const plain = randomTraceId();
    await ingestOtlpJson(actor, otlpRequest([llmCall(plain, randomSpanId(), 1)]));
    expect(await runOf(plain)).toMatchObject({ status: "RUNNING", flagEscalated: false });
  });
});
