/**
 * Test fixtures for runs and steps, written straight to the database (tests
 * only; production data arrives through ingestion). Unique trace ids per call.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";

export const hex = (bytes: number) => randomBytes(bytes).toString("hex");

export interface StepSpec {
  kind?: "LLM_CALL" | "TOOL_CALL" | "DECISION" | "STATE_TRANSITION" | "AGENT" | "ESCALATION" | "OTHER";
  name?: string;
  tool?: string;
  arguments?: Prisma.InputJsonValue;
  result?: Prisma.InputJsonValue;
  decision?: Prisma.InputJsonValue;
  outputMessages?: Prisma.InputJsonValue;
  model?: string;
  failed?: boolean;
  error?: string;
  parent?: number;
  atMs?: number;
  durationMs?: number;
}

export async function createAgent(db: Db, data: { name?: string; loopThreshold?: number; stallThresholdMinutes?: number; teamName?: string; evaluators?: Prisma.InputJsonValue } = {}) {
  const team = data.teamName ? await db.team.upsert({ where: { name: data.teamName }, create: { name: data.teamName }, update: {} }) : null;
  const agent = await db.agent.create({
    data: {
      name: data.name ?? `agent-${hex(4)}`,
      teamId: team?.id,
      loopThreshold: data.loopThreshold ?? 3,
      stallThresholdMinutes: data.stallThresholdMinutes ?? 10,
    },
  });
  if (data.evaluators !== undefined) {
    const config = await db.agentConfigVersion.create({ data: { agentId: agent.id, version: 1, evaluators: data.evaluators } });
    await db.agent.update({ where: { id: agent.id }, data: { currentConfigId: config.id } });
  }
  return agent;
}

/** A run with its steps, totals and flags consistent with them, as ingestion would leave it. */
export async function createRun(
  db: Db,
  data: { agentId?: string | null; teamId?: string | null; name?: string; status?: "RUNNING" | "SUCCEEDED" | "FAILED" | "ESCALATED" | "STALLED"; startedAt?: Date; steps?: StepSpec[]; costUsd?: number; unpricedCount?: number; outputScore?: number | null; outcome?: "SUCCESS" | "FAILURE" | "UNKNOWN" },
) {
  const startedAt = data.startedAt ?? new Date();
  const traceId = hex(16);
  const specs = data.steps ?? [];
  const spanIds = specs.map(() => hex(8));
  const steps = specs.map((s, i) => {
    const at = new Date(startedAt.getTime() + (s.atMs ?? i * 1000));
    return {
      traceId,
      spanId: spanIds[i]!,
      parentSpanId: s.parent === undefined ? null : spanIds[s.parent]!,
      kind: s.kind ?? "OTHER",
      name: s.name ?? `step ${i}`,
      status: s.failed ? ("FAILED" as const) : ("OK" as const),
      error: s.error ?? (s.failed ? "failed" : null),
      startedAt: at,
      endedAt: new Date(at.getTime() + (s.durationMs ?? 500)),
      tool: s.tool ?? null,
      model: s.model ?? null,
      arguments: s.arguments,
      result: s.result,
      decision: s.decision,
      outputMessages: s.outputMessages,
    };
  });
  const lastStepAt = steps.length ? new Date(Math.max(...steps.map((s) => s.endedAt.getTime()))) : startedAt;
  const run = await db.run.create({
    data: {
      traceId,
      name: data.name ?? `run ${traceId.slice(0, 6)}`,
      agentId: data.agentId ?? null,
      teamId: data.teamId ?? null,
      status: data.status ?? "SUCCEEDED",
      startedAt,
      lastStepAt,
      endedAt: data.status === "RUNNING" || data.status === "STALLED" ? null : lastStepAt,
      stepCount: steps.length,
      failedStepCount: steps.filter((s) => s.status === "FAILED").length,
      flagToolFailure: steps.some((s) => s.status === "FAILED" && s.kind === "TOOL_CALL"),
      costUsd: data.costUsd ?? 0,
      unpricedCount: data.unpricedCount ?? 0,
      outputScore: data.outputScore ?? null,
      outcome: data.outcome ?? "UNKNOWN",
    },
  });
  if (steps.length) await db.step.createMany({ data: steps.map((s) => ({ ...s, runId: run.id })) });
  return { run, traceId, spanIds };
}
