/**
 * The store stage for items beside steps (the native batch API): run items
 * created or updated with exactly the fields they state, and evaluations of
 * stored runs and steps. Steps are stored first (store.ts), so what a run item
 * states explicitly (name, status…) wins over what its root step implies.
 *
 * Telemetry never overrides a person: a run item's outcome is not applied to a
 * run whose outcome a person recorded (`outcomeSource` HUMAN; ingestion's own
 * is EXTERNAL), and an evaluation sent through ingestion can never claim to be
 * HUMAN (refused per item). Ingested evaluations carry their sender (the API
 * key) and a `dedupKey` (ledger.ts), so a re-sent one is recognised, not stored
 * again (`ON CONFLICT DO NOTHING`; the first copy wins, as for steps).
 */
import { resolveAgents, resolveTeams } from "@/lib/agents/registry";
import type { Actor } from "@/lib/audit";
import type { Tx } from "@/lib/db";
import type { Connection } from "@/lib/db/bulk";
import type { Prisma } from "@/lib/generated/prisma/client";
import { evaluationDedupKey, ingestSenderOf } from "./ledger";
import type { NativeEvaluation, NativeRun } from "./schemas";
import { TextRedaction } from "./redact-step";
import { loadIngestRedactor } from "./store";

export type RunItem = NativeRun;

/** An evaluation item with its index in the request, for error reports. */
export interface EvaluationItem {
  index: number;
  value: NativeEvaluation;
}

/** An evaluation item refused while storing. */
export interface ItemError {
  index: number;
  path: string;
  message: string;
}

/**
 * Run items: created or updated with exactly the fields given (a run's totals always come from its steps).
 * `runs` are already redacted (redactRunItems): the step store reads their agent and team first.
 */
export async function storeRunItems(
  tx: Tx,
  runs: RunItem[],
  connection: Connection = null,
): Promise<{ runIds: string[]; createdAgents: string[]; createdTeams: string[]; runsCreated: number }> {
  if (runs.length === 0) return { runIds: [], createdAgents: [], createdTeams: [], runsCreated: 0 };
  const teams = await resolveTeams(tx, [...new Set(runs.flatMap((r) => (r.team ? [r.team] : [])))], connection);
  const wanted = new Map<string, string | null>();
  for (const r of runs) if (r.agent && !wanted.get(r.agent)) wanted.set(r.agent, r.team ? (teams.ids.get(r.team) ?? null) : null);
  const agents = await resolveAgents(tx, wanted, connection);
  const sorted = [...runs].sort((x, y) => (x.traceId < y.traceId ? -1 : 1));
  // Who set each existing run's outcome, locked (in trace id order, as the step store locks) so a person's
  // outcome recorded meanwhile cannot be overwritten between this read and the upsert.
  const outcomeSources = new Map(
    (
      await tx.$queryRaw<{ traceId: string; outcomeSource: string | null }[]>`
        SELECT "traceId", "outcomeSource"::text AS "outcomeSource" FROM "Run"
        WHERE "traceId" = ANY(${sorted.map((r) => r.traceId)}) ORDER BY "traceId" FOR UPDATE`
    ).map((r) => [r.traceId, r.outcomeSource]),
  );
  const runIds: string[] = [];
  for (const r of sorted) {
    const agent = r.agent ? agents.agents.get(r.agent) : undefined;
    const teamId = (r.team ? teams.ids.get(r.team) : undefined) ?? agent?.teamId ?? undefined;
    const fields = {
      name: r.name,
      agentId: agent?.id,
      teamId,
      status: r.status,
      conversationId: r.conversationId,
      endedAt: r.endedAt,
    };
    const statesOutcome = r.outcome !== undefined || r.outcomeImpact !== undefined;
    const outcome = statesOutcome ? { outcome: r.outcome, outcomeImpact: r.outcomeImpact, outcomeSource: "EXTERNAL" as const } : {};
    const run = await tx.run.upsert({
      where: { traceId: r.traceId },
      create: { traceId: r.traceId, ...fields, ...outcome, startedAt: r.startedAt, lastStepAt: r.endedAt ?? r.startedAt },
      update: outcomeSources.get(r.traceId) === "HUMAN" ? fields : { ...fields, ...outcome },
      select: { id: true, startedAt: true, lastStepAt: true },
    });
    // Keep the time bounds consistent with what the steps say.
    if (r.startedAt < run.startedAt || (r.endedAt && r.endedAt > run.lastStepAt)) {
      await tx.$executeRaw`UPDATE "Run" SET "startedAt" = LEAST("startedAt", ${r.startedAt}), "lastStepAt" = GREATEST("lastStepAt", ${r.endedAt ?? r.startedAt}) WHERE id = ${run.id}`;
    }
    runIds.push(run.id);
  }
  const runsCreated = sorted.filter((r, i) => !outcomeSources.has(r.traceId) && sorted[i - 1]?.traceId !== r.traceId).length;
  return { runIds, createdAgents: agents.created, createdTeams: teams.created, runsCreated };
}

/**
 * Evaluation items for stored runs and steps; one for an unknown run or step, or claiming to be HUMAN, is refused
 * into `errors`. `count` is the accepted ones, new or recognised as re-sent (`duplicates` of them).
 */
export async function storeEvaluationItems(
  tx: Tx,
  actor: Actor,
  items: EvaluationItem[],
  errors: ItemError[],
): Promise<{ count: number; duplicates: number; runIds: string[] }> {
  if (items.length === 0) return { count: 0, duplicates: 0, runIds: [] };
  items = await redactEvaluationItems(tx, items);
  const sender = ingestSenderOf(actor);
  const apiKeyId = actor.type === "API_KEY" ? actor.id : null;
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
    if (e.source === "HUMAN") {
      // A person's judgement is recorded in the console (lib/evaluations/commands.ts), never through a key.
      errors.push({ index, path: "source", message: 'Evaluations sent through ingestion cannot have source "human"; use "external", "judge" or "heuristic".' });
      continue;
    }
    const runId = runs.get(e.traceId);
    if (!runId) {
      errors.push({ index, path: "traceId", message: `No run with traceId ${e.traceId}; send its steps or run first.` });
      continue;
    }
    const stepId = e.spanId ? steps.get(`${e.traceId}:${e.spanId}`) : undefined;
    if (e.spanId && !stepId) {
      errors.push({ index, path: "spanId", message: `No step with spanId ${e.spanId} in trace ${e.traceId}.` });
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
      apiKeyId,
      dedupKey: evaluationDedupKey(sender, e),
    });
  }
  // ON CONFLICT DO NOTHING: a re-sent evaluation (same dedupKey) is skipped, also when repeated within one batch.
  const inserted = rows.length ? (await tx.evaluation.createMany({ data: rows, skipDuplicates: true })).count : 0;
  return { count: rows.length, duplicates: rows.length - inserted, runIds: [...new Set(rows.map((r) => r.runId))] };
}

// ───────────── redaction (as for steps, store.ts: every text an item stores, before anything reads it) ─────────────

export async function redactRunItems(tx: Tx, runs: RunItem[], connection: Connection): Promise<RunItem[]> {
  if (runs.length === 0) return runs;
  const redactor = await loadIngestRedactor(tx, connection);
  if (!redactor.enabled) return runs;
  const r = new TextRedaction(redactor);
  return runs.map((run) => ({
    ...run,
    name: r.optional(run.name),
    agent: r.optional(run.agent),
    team: r.optional(run.team),
    outcomeImpact: r.optional(run.outcomeImpact),
    conversationId: r.optional(run.conversationId),
  }));
}

/** Redacted before anything reads the items (a key computed from them, too, sees what is stored). */
async function redactEvaluationItems(tx: Tx, items: EvaluationItem[]): Promise<EvaluationItem[]> {
  const redactor = await loadIngestRedactor(tx, null);
  if (!redactor.enabled) return items;
  const r = new TextRedaction(redactor);
  return items.map(({ index, value }) => ({
    index,
    value: { ...value, name: r.text(value.name), label: r.optional(value.label), comment: r.optional(value.comment) },
  }));
}
