/**
 * The native JSON batch API: runs, steps and evaluations from agents that do
 * not speak OpenTelemetry. Steps go through the same store as OTLP spans (same
 * idempotency, totals, cost and spend rollup); one request is one transaction
 * with one audit event; invalid items are reported by index and skipped.
 */
import { appendAudit, type Actor } from "@/lib/audit";
import { db, type Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { analyzeRuns } from "@/lib/runs/analysis";
import { INGEST_TRANSACTION } from "./ingest";
import { nativeBatchSchema, nativeEvaluationSchema, nativeRunSchema, nativeStepSchema, type NativeEvaluation, type NativeRun, type NativeStep } from "./schemas";
import { applySpendRollup, EMPTY_STORE_RESULT, resolveAgents, resolveTeams, storeSteps } from "./store";
import type { JsonValue, StepDraft } from "./types";

export interface NativeItemError {
  item: "runs" | "steps" | "evaluations";
  index: number;
  path: string;
  message: string;
}

export interface NativeIngestResult {
  accepted: { runs: number; steps: number; evaluations: number };
  /** Steps newly stored (accepted minus re-sent). */
  storedSteps: number;
  duplicateSteps: number;
  rejected: { runs: number; steps: number; evaluations: number };
  errors: NativeItemError[];
}

type Schema<T> = { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } };

function validateItems<T>(item: NativeItemError["item"], values: unknown[] | undefined, schema: Schema<T>, errors: NativeItemError[]) {
  const valid: { index: number; value: T }[] = [];
  (values ?? []).forEach((value, index) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) valid.push({ index, value: parsed.data });
    else for (const issue of parsed.error.issues) errors.push({ item, index, path: issue.path.map(String).join("."), message: issue.message });
  });
  return valid;
}

function toDraft(s: NativeStep): StepDraft {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? null,
    kind: s.kind,
    name: s.name,
    status: s.status,
    error: s.status === "FAILED" ? (s.error ?? "error") : (s.error ?? null),
    startedAt: s.startedAt,
    endedAt: s.endedAt ?? null,
    model: s.model ?? null,
    provider: s.provider ?? null,
    inputTokens: s.inputTokens ?? null,
    outputTokens: s.outputTokens ?? null,
    cachedInputTokens: s.cachedInputTokens ?? null,
    carriedCostUsd: s.costUsd ?? null,
    promptName: s.promptName ?? null,
    promptVersion: s.promptVersion ?? null,
    tool: s.tool ?? null,
    arguments: (s.arguments ?? null) as JsonValue | null,
    result: (s.result ?? null) as JsonValue | null,
    decision: s.decision
      ? {
          chosen: s.decision.chosen,
          rationale: s.decision.rationale ?? null,
          alternatives: s.decision.alternatives as JsonValue[],
          confidence: s.decision.confidence ?? null,
        }
      : null,
    inputMessages: (s.inputMessages ?? null) as JsonValue | null,
    outputMessages: (s.outputMessages ?? null) as JsonValue | null,
    attributes: s.attributes as { [key: string]: JsonValue },
    agentName: s.agent ?? null,
    serviceName: null,
    teamName: s.team ?? null,
    conversationId: s.conversationId ?? null,
    runOutcome: null,
    runOutcomeImpact: null,
  };
}

/** Run items: created or updated with exactly the fields given (a run's totals always come from its steps). */
async function upsertRuns(tx: Tx, runs: NativeRun[]): Promise<{ runIds: string[]; createdAgents: string[]; createdTeams: string[] }> {
  if (runs.length === 0) return { runIds: [], createdAgents: [], createdTeams: [] };
  const teams = await resolveTeams(tx, [...new Set(runs.flatMap((r) => (r.team ? [r.team] : [])))]);
  const wanted = new Map<string, string | null>();
  for (const r of runs) if (r.agent && !wanted.get(r.agent)) wanted.set(r.agent, r.team ? (teams.ids.get(r.team) ?? null) : null);
  const agents = await resolveAgents(tx, wanted);
  const runIds: string[] = [];
  for (const r of [...runs].sort((x, y) => (x.traceId < y.traceId ? -1 : 1))) {
    const agent = r.agent ? agents.agents.get(r.agent) : undefined;
    const teamId = (r.team ? teams.ids.get(r.team) : undefined) ?? agent?.teamId ?? undefined;
    const fields = {
      name: r.name,
      agentId: agent?.id,
      teamId,
      status: r.status,
      outcome: r.outcome,
      outcomeImpact: r.outcomeImpact,
      conversationId: r.conversationId,
      endedAt: r.endedAt,
    };
    const run = await tx.run.upsert({
      where: { traceId: r.traceId },
      create: { traceId: r.traceId, ...fields, startedAt: r.startedAt, lastStepAt: r.endedAt ?? r.startedAt },
      update: fields,
      select: { id: true, startedAt: true, lastStepAt: true },
    });
    // Keep the time bounds consistent with what the steps say.
    if (r.startedAt < run.startedAt || (r.endedAt && r.endedAt > run.lastStepAt)) {
      await tx.$executeRaw`UPDATE "Run" SET "startedAt" = LEAST("startedAt", ${r.startedAt}), "lastStepAt" = GREATEST("lastStepAt", ${r.endedAt ?? r.startedAt}) WHERE id = ${run.id}`;
    }
    runIds.push(run.id);
  }
  return { runIds, createdAgents: agents.created, createdTeams: teams.created };
}

async function insertEvaluations(tx: Tx, items: { index: number; value: NativeEvaluation }[], errors: NativeItemError[]): Promise<{ count: number; runIds: string[] }> {
  if (items.length === 0) return { count: 0, runIds: [] };
  const traceIds = [...new Set(items.map((i) => i.value.traceId))];
  const runs = new Map((await tx.run.findMany({ where: { traceId: { in: traceIds } }, select: { id: true, traceId: true } })).map((r) => [r.traceId, r.id]));
  const spanKeys = items.filter((i) => i.value.spanId).map((i) => ({ traceId: i.value.traceId, spanId: i.value.spanId! }));
  const steps = new Map(
    (spanKeys.length ? await tx.step.findMany({ where: { OR: spanKeys }, select: { id: true, traceId: true, spanId: true } }) : []).map((s) => [
      `${s.traceId}:${s.spanId}`,
      s.id,
    ]),
  );
  const rows: Prisma.EvaluationCreateManyInput[] = [];
  for (const { index, value: e } of items) {
    const runId = runs.get(e.traceId);
    if (!runId) {
      errors.push({ item: "evaluations", index, path: "traceId", message: `No run with traceId ${e.traceId}; send its steps or run first.` });
      continue;
    }
    const stepId = e.spanId ? steps.get(`${e.traceId}:${e.spanId}`) : undefined;
    if (e.spanId && !stepId) {
      errors.push({ item: "evaluations", index, path: "spanId", message: `No step with spanId ${e.spanId} in trace ${e.traceId}.` });
      continue;
    }
    rows.push({
      runId,
      stepId: stepId ?? null,
      kind: e.kind ?? (stepId ? "OUTPUT" : "OUTCOME"),
      source: e.source,
      name: e.name,
      score: e.score ?? null,
      passed: e.passed ?? null,
      label: e.label ?? null,
      comment: e.comment ?? null,
    });
  }
  if (rows.length) await tx.evaluation.createMany({ data: rows });
  return { count: rows.length, runIds: [...new Set(rows.map((r) => r.runId))] };
}

export async function ingestNativeBatch(actor: Actor, body: unknown): Promise<NativeIngestResult> {
  const envelope = nativeBatchSchema.safeParse(body);
  if (!envelope.success) {
    throw new AppError(
      "bad_request:ingest",
      "The body must be an object with arrays `runs`, `steps` and/or `evaluations`.",
      envelope.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    );
  }
  const errors: NativeItemError[] = [];
  const runs = validateItems("runs", envelope.data.runs, nativeRunSchema, errors);
  const steps = validateItems("steps", envelope.data.steps, nativeStepSchema, errors);
  const evaluations = validateItems("evaluations", envelope.data.evaluations, nativeEvaluationSchema, errors);

  const outcome = await db.$transaction(async (tx) => {
    // Steps first, then run items: what a run item states explicitly (name, status…) wins over what its root step implies.
    const stepResult = steps.length ? await storeSteps(tx, steps.map((s) => toDraft(s.value))) : EMPTY_STORE_RESULT;
    const runResult = await upsertRuns(tx, runs.map((r) => r.value));
    const evaluationResult = await insertEvaluations(tx, evaluations, errors);
    const runIds = [...new Set([...runResult.runIds, ...stepResult.runIds, ...evaluationResult.runIds])];
    if (runIds.length) await analyzeRuns(tx, runIds);
    await applySpendRollup(tx, stepResult.spend);
    const counts = {
      accepted: { runs: runs.length, steps: steps.length, evaluations: evaluationResult.count },
      storedSteps: stepResult.stored,
      duplicateSteps: stepResult.duplicates,
    };
    await appendAudit(tx, {
      actor,
      action: "telemetry.ingest",
      targetType: "telemetry",
      metadata: {
        source: "native",
        ...counts,
        rejected: errors.length,
        createdAgents: [...new Set([...runResult.createdAgents, ...stepResult.createdAgents])],
        createdTeams: [...new Set([...runResult.createdTeams, ...stepResult.createdTeams])],
      },
    });
    return counts;
  }, INGEST_TRANSACTION);

  const rejectedOf = (item: NativeItemError["item"]) => new Set(errors.filter((e) => e.item === item).map((e) => e.index)).size;
  return {
    ...outcome,
    rejected: { runs: rejectedOf("runs"), steps: rejectedOf("steps"), evaluations: rejectedOf("evaluations") },
    errors: errors.sort((a, b) => (a.item === b.item ? a.index - b.index : a.item < b.item ? -1 : 1)),
  };
}
