/**
 * Fixtures for the breaker integration tests (imported by *.int.test.ts only):
 * agents known through ingestion, breakers created through the commands,
 * telemetry (tool calls, looping runs, spend, long runs, whole runs) sent
 * through the real ingestion pipeline, and the rows a test checks.
 */
import { SYSTEM_ACTOR } from "@/lib/audit";
import { execute } from "@/lib/commands";
import { db } from "@/lib/db";
import { agentInTeam, ingest, unique } from "@/lib/escalations/test-support";
import type { StepDraft } from "@/lib/telemetry/types";
import { randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { stepDraft } from "@/tests/factories/step-draft";
import { createBreakerCommand } from "./commands";

export { unique };

export interface TestAgent {
  name: string;
  id: string;
  team: string;
}

/** An agent known through one ingested LLM call (free). */
export async function newAgent(): Promise<TestAgent> {
  const { agent, team } = await agentInTeam();
  const row = await db.agent.findUniqueOrThrow({ where: { name: agent }, select: { id: true } });
  return { name: agent, id: row.id, team };
}

export interface BreakerSpec {
  name?: string;
  condition: string;
  params: Record<string, unknown>;
  mode?: "OBSERVE" | "ENFORCE";
  enabled?: boolean;
  coolDownMinutes?: number;
  halfOpen?: boolean;
}

/** A breaker made by the system (setup; who may make one is the commands tests' business). */
export async function newBreaker(agent: TestAgent, spec: BreakerSpec) {
  return execute(createBreakerCommand, SYSTEM_ACTOR, {
    agent: agent.name,
    settings: { name: spec.name ?? unique("brk"), condition: spec.condition, params: spec.params, mode: spec.mode ?? "ENFORCE", enabled: spec.enabled ?? true, coolDownMinutes: spec.coolDownMinutes ?? 15, halfOpen: spec.halfOpen ?? false },
  });
}

/**
 * Tool calls of one run of the agent: `x` failed, `.` succeeded, one millisecond apart from now on (never before the
 * moment they are made: a breaker's window that started a moment ago must count them).
 */
export function toolCalls(agent: TestAgent, spec: string, options: { traceId?: string; at?: Date; tool?: string } = {}): StepDraft[] {
  const traceId = options.traceId ?? randomTraceId();
  const start = (options.at ?? new Date()).getTime();
  return [...spec].map((c, i) => {
    const startedAt = new Date(start + i);
    return stepDraft({
      traceId,
      spanId: randomSpanId(),
      parentSpanId: "0000000000000001",
      kind: "TOOL_CALL",
      name: options.tool ?? "erp.lookup",
      tool: options.tool ?? "erp.lookup",
      arguments: { n: `${traceId}-${i}` },
      status: c === "x" ? "FAILED" : "OK",
      error: c === "x" ? "upstream timeout" : null,
      startedAt,
      endedAt: new Date(startedAt.getTime() + 5),
      agentName: agent.name,
    });
  });
}

/** One run whose same tool call repeats: flagged looping by ingestion. */
export function loopingRun(agent: TestAgent, repeats = 4): StepDraft[] {
  const traceId = randomTraceId();
  const now = Date.now();
  return Array.from({ length: repeats }, (_, i) =>
    stepDraft({ traceId, spanId: randomSpanId(), parentSpanId: "0000000000000001", kind: "TOOL_CALL", name: "erp.retry", tool: "erp.retry", arguments: { invoice: 7 }, startedAt: new Date(now + i), endedAt: new Date(now + i + 5), agentName: agent.name }),
  );
}

/** LLM calls carrying their own cost, now. */
export function spend(agent: TestAgent, usd: number[], traceId = randomTraceId()): StepDraft[] {
  const now = Date.now();
  return usd.map((cost, i) =>
    stepDraft({ traceId, spanId: randomSpanId(), parentSpanId: "0000000000000001", kind: "LLM_CALL", name: "chat", model: "brk-test-model", inputTokens: 10, outputTokens: 10, carriedCostUsd: cost, startedAt: new Date(now + i), endedAt: new Date(now + i + 5), agentName: agent.name }),
  );
}

/** A whole run (its root span ended): succeeded or failed. */
export function wholeRun(agent: TestAgent, status: "OK" | "FAILED", options: { startedAt?: Date; durationMs?: number } = {}): StepDraft[] {
  const startedAt = options.startedAt ?? new Date(Date.now() - 1000);
  return [
    stepDraft({ traceId: randomTraceId(), spanId: randomSpanId(), kind: "AGENT", name: "invoke_agent", status, error: status === "FAILED" ? "gave up" : null, startedAt, endedAt: new Date(startedAt.getTime() + (options.durationMs ?? 500)), agentName: agent.name }),
  ];
}

/** A run still running (no root span yet), started `minutesAgo`. */
export function runningRun(agent: TestAgent, minutesAgo: number): StepDraft[] {
  const startedAt = new Date(Date.now() - minutesAgo * 60_000);
  return [stepDraft({ traceId: randomTraceId(), spanId: randomSpanId(), parentSpanId: "0000000000000001", kind: "LLM_CALL", name: "chat", model: "brk-test-model", carriedCostUsd: 0, startedAt, endedAt: new Date(startedAt.getTime() + 100), agentName: agent.name })];
}

export { ingest };

export const statusOf = async (agent: TestAgent) => (await db.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { status: true } })).status;
export const breakerRow = (id: string) => db.breaker.findUniqueOrThrow({ where: { id } });
export const eventsOf = (breakerId: string) => db.breakerEvent.findMany({ where: { breakerId }, orderBy: { at: "asc" } });
export const tripEvents = (agent: TestAgent) => db.agentStatusEvent.count({ where: { agentId: agent.id, status: "TRIPPED" } });
export const auditCount = (action: string, targetId: string) => db.auditEvent.count({ where: { action, targetId } });
