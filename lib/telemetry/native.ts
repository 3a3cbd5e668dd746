/**
 * The native JSON batch API: runs, steps and evaluations from agents that do
 * not speak OpenTelemetry, validated here and decoded into the one ingestion
 * pipeline (pipeline.ts: same store, idempotency, totals, cost, hooks); one
 * request is one transaction, counted in the ingestion ledger; invalid items are reported
 * by index and skipped. An item is first checked for what PostgreSQL cannot
 * store whatever the schema says (a NUL character, a lone surrogate from a
 * `\ud800` escape, JSON nested deeper than MAX_JSON_DEPTH), in one pass over the raw item, so the store never fails on a value.
 */
import type { Actor } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { findUnstorable } from "./storable";
import { ingestBatch } from "./pipeline";
import { nativeBatchSchema, nativeEvaluationSchema, nativeRunSchema, nativeStepSchema, type NativeStep } from "./schemas";
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
    const unstorable = findUnstorable(value);
    if (unstorable) {
      errors.push({ item, index, path: unstorable.path.join("."), message: `${unstorable.message}.` });
      return;
    }
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

  const stored = await ingestBatch(
    actor,
    { source: "native", steps: steps.map((s) => toDraft(s.value)), runs: runs.map((r) => r.value), evaluations },
    // Step items are the native batch's spans: the ledger counts those refused by validation.
    { receivedSpans: envelope.data.steps?.length ?? 0, rejectedSpans: new Set(errors.filter((e) => e.item === "steps").map((e) => e.index)).size },
  );
  for (const e of stored.itemErrors) errors.push({ item: "evaluations", ...e });
  const outcome = {
    accepted: { runs: runs.length, steps: steps.length, evaluations: stored.evaluationsStored },
    storedSteps: stored.steps.stored,
    duplicateSteps: stored.steps.duplicates,
  };

  const rejectedOf = (item: NativeItemError["item"]) => new Set(errors.filter((e) => e.item === item).map((e) => e.index)).size;
  return {
    ...outcome,
    rejected: { runs: rejectedOf("runs"), steps: rejectedOf("steps"), evaluations: rejectedOf("evaluations") },
    errors: errors.sort((a, b) => (a.item === b.item ? a.index - b.index : a.item < b.item ? -1 : 1)),
  };
}
