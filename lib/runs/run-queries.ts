/**
 * Reads for one run's page: the header, the compact waterfall, escalations and
 * evaluations; and one step's full detail, loaded only when it is selected.
 */
import "server-only";
import { db } from "@/lib/db";
import { buildTimeline, type StepKindName, type Timeline, type TimelineSource } from "./timeline";

/** cuid-like ids; anything else is a malformed id (404 rather than a query). */
export function isPlausibleId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id);
}

export async function getRunHeader(runId: string) {
  if (!isPlausibleId(runId)) return null;
  const run = await db.run.findUnique({
    where: { id: runId },
    include: {
      agent: { select: { name: true, loopThreshold: true, stallThresholdMinutes: true } },
      team: { select: { name: true } },
    },
  });
  if (!run) return null;
  return {
    id: run.id,
    traceId: run.traceId,
    name: run.name,
    agent: run.agent?.name ?? null,
    team: run.team?.name ?? null,
    loopThreshold: run.agent?.loopThreshold ?? 3,
    stallThresholdMinutes: run.agent?.stallThresholdMinutes ?? 10,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    lastStepAt: run.lastStepAt,
    outcome: run.outcome,
    outcomeImpact: run.outcomeImpact,
    sideEffects: sideEffectsList(run.sideEffects),
    inputTokens: Number(run.inputTokens),
    outputTokens: Number(run.outputTokens),
    cachedInputTokens: Number(run.cachedInputTokens),
    costUsd: Number(run.costUsd),
    stepCount: run.stepCount,
    failedStepCount: run.failedStepCount,
    unpricedCount: run.unpricedCount,
    flags: { loop: run.flagLoop, stall: run.flagStall, toolFailure: run.flagToolFailure, escalated: run.flagEscalated, executedDifferently: run.flagExecutedDifferently, unpriced: run.unpricedCount > 0 },
    outputScore: run.outputScore,
  };
}
export type RunHeader = NonNullable<Awaited<ReturnType<typeof getRunHeader>>>;

/** Side effects are stored as JSON; shown as a list of lines. */
export function sideEffectsList(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
  if (typeof value === "string") return [value];
  return [JSON.stringify(value)];
}

export async function getRunTimeline(runId: string): Promise<Timeline> {
  const [steps, escalated] = await Promise.all([
    db.step.findMany({
      where: { runId },
      select: {
        id: true, spanId: true, parentSpanId: true, kind: true, name: true, status: true,
        startedAt: true, endedAt: true, tool: true, model: true, flagLoop: true,
      },
      orderBy: [{ startedAt: "asc" }, { id: "asc" }],
    }),
    db.escalation.findMany({ where: { runId, stepId: { not: null } }, select: { stepId: true } }),
  ]);
  const escalatedSteps = new Set(escalated.map((e) => e.stepId));
  const sources: TimelineSource[] = steps.map((s) => ({
    id: s.id,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    kind: s.kind as StepKindName,
    name: s.name,
    failed: s.status === "FAILED",
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    tool: s.tool,
    model: s.model,
    flagLoop: s.flagLoop,
    escalated: escalatedSteps.has(s.id) || s.kind === "ESCALATION",
  }));
  return buildTimeline(sources);
}

export interface EscalationView {
  id: string;
  stepId: string | null;
  tool: string;
  reason: string | null;
  status: string;
  slaDueAt: string | null;
  createdAt: string;
  decisions: { verdict: string; comment: string | null; decidedBy: string; decidedAt: string }[];
  /** The tool call that followed ran with other arguments than approved, or a second time. */
  executedDifferently: string | null;
}

const ESCALATION_SELECT = {
  id: true, stepId: true, tool: true, reason: true, status: true, slaDueAt: true, createdAt: true, executedDifferently: true, executedDifferentlyReason: true,
  decisions: { select: { verdict: true, comment: true, decidedByEmail: true, decidedAt: true }, orderBy: { decidedAt: "asc" as const } },
} as const;

type EscalationRow = {
  id: string; stepId: string | null; tool: string; reason: string | null; status: string; slaDueAt: Date | null; createdAt: Date;
  executedDifferently: boolean; executedDifferentlyReason: string | null;
  decisions: { verdict: string; comment: string | null; decidedByEmail: string; decidedAt: Date }[];
};

function toEscalationView(e: EscalationRow): EscalationView {
  return {
    id: e.id, stepId: e.stepId, tool: e.tool, reason: e.reason, status: e.status,
    slaDueAt: e.slaDueAt?.toISOString() ?? null, createdAt: e.createdAt.toISOString(),
    decisions: e.decisions.map((d) => ({ verdict: d.verdict, comment: d.comment, decidedBy: d.decidedByEmail, decidedAt: d.decidedAt.toISOString() })),
    executedDifferently: e.executedDifferently ? (e.executedDifferentlyReason ?? "executed differently than approved") : null,
  };
}

export async function getRunEscalations(runId: string): Promise<EscalationView[]> {
  const rows = await db.escalation.findMany({ where: { runId }, select: ESCALATION_SELECT, orderBy: { createdAt: "asc" }, take: 200 });
  return rows.map(toEscalationView);
}

export interface EvaluationView {
  id: string;
  stepId: string | null;
  stepName: string | null;
  kind: "OUTPUT" | "OUTCOME";
  source: string;
  name: string;
  score: number | null;
  passed: boolean | null;
  label: string | null;
  comment: string | null;
  by: string | null;
  createdAt: string;
}

export async function getRunEvaluations(runId: string): Promise<EvaluationView[]> {
  const rows = await db.evaluation.findMany({
    where: { runId },
    include: { step: { select: { name: true } }, createdBy: { select: { email: true } } },
    orderBy: { createdAt: "desc" },
    take: 300,
  });
  return rows.map((e) => ({
    id: e.id, stepId: e.stepId, stepName: e.step?.name ?? null, kind: e.kind, source: e.source, name: e.name,
    score: e.score, passed: e.passed, label: e.label, comment: e.comment, by: e.createdBy?.email ?? null,
    createdAt: e.createdAt.toISOString(),
  }));
}

/** Everything about one step, for the detail panel (JSON to the browser). */
export async function getStepDetail(runId: string, stepId: string) {
  if (!isPlausibleId(runId) || !isPlausibleId(stepId)) return null;
  const step = await db.step.findFirst({ where: { id: stepId, runId } });
  if (!step) return null;
  const [escalations, evaluations] = await Promise.all([
    db.escalation.findMany({
      where: { OR: [{ stepId }, { runId, spanId: step.spanId }] },
      select: ESCALATION_SELECT,
      orderBy: { createdAt: "asc" },
    }),
    db.evaluation.findMany({
      where: { stepId },
      include: { createdBy: { select: { email: true } } },
      orderBy: { createdAt: "desc" },
    }),
  ]);
  return {
    id: step.id,
    runId: step.runId,
    spanId: step.spanId,
    parentSpanId: step.parentSpanId,
    kind: step.kind as StepKindName,
    name: step.name,
    status: step.status,
    error: step.error,
    startedAt: step.startedAt.toISOString(),
    endedAt: step.endedAt?.toISOString() ?? null,
    durationMs: step.endedAt ? step.endedAt.getTime() - step.startedAt.getTime() : null,
    model: step.model,
    provider: step.provider,
    inputTokens: step.inputTokens,
    outputTokens: step.outputTokens,
    cachedInputTokens: step.cachedInputTokens,
    costUsd: step.costUsd === null ? null : Number(step.costUsd),
    unpriced: step.unpriced,
    promptName: step.promptName,
    promptVersion: step.promptVersion,
    tool: step.tool,
    arguments: step.arguments,
    result: step.result,
    decision: step.decision,
    inputMessages: step.inputMessages,
    outputMessages: step.outputMessages,
    attributes: step.attributes,
    redactions: step.redactions,
    flagLoop: step.flagLoop,
    escalations: escalations.map(toEscalationView),
    evaluations: evaluations.map((e) => ({
      id: e.id, kind: e.kind, source: e.source, name: e.name, score: e.score, passed: e.passed, label: e.label,
      comment: e.comment, by: e.createdBy?.email ?? null, createdAt: e.createdAt.toISOString(),
    })),
  };
}
export type StepDetail = NonNullable<Awaited<ReturnType<typeof getStepDetail>>>;

/** The live state of one run, polled while it is running. */
export async function getRunPulse(runId: string) {
  if (!isPlausibleId(runId)) return null;
  const run = await db.run.findUnique({
    where: { id: runId },
    select: { status: true, stepCount: true, lastStepAt: true, flagLoop: true, flagStall: true, outcome: true, outputScore: true },
  });
  if (!run) return null;
  return { ...run, lastStepAt: run.lastStepAt.toISOString() };
}
