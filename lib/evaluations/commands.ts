/**
 * People's evaluations: a run's outcome and a step's output score. Each command
 * writes its Evaluation row, updates the run, and appends the audit event in
 * the same transaction. The run's `outcomeSource`/`outputScoreSource` become
 * HUMAN, which ingestion and the evaluators never overwrite.
 */
import "server-only";
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import { AppError } from "@/lib/errors";
import { normalizeHumanScore, type RecordOutcomeInput, type ScoreOutputInput } from "./schemas";

export const recordRunOutcomeCommand = defineCommand("run_outcome.record", { user: "runs:write" }, async (tx, actor, input: RecordOutcomeInput) => {
  // Lock the run so two people recording at once leave a consistent before/after.
  const [before] = await tx.$queryRaw<{ id: string; outcome: string; outcomeImpact: string | null; sideEffects: unknown }[]>`
    SELECT id, outcome::text AS outcome, "outcomeImpact", "sideEffects" FROM "Run" WHERE id = ${input.runId} FOR UPDATE`;
  if (!before) throw new AppError("not_found:run", "That run no longer exists.");
  const after = await tx.run.update({
    where: { id: input.runId },
    // HUMAN: ingestion (run upsert, run items) never replaces a person's outcome from now on.
    data: { outcome: input.outcome, outcomeImpact: input.impact, sideEffects: input.sideEffects, outcomeSource: "HUMAN" },
    select: { id: true, outcome: true, outcomeImpact: true, sideEffects: true },
  });
  const evaluation = await tx.evaluation.create({
    data: {
      runId: input.runId,
      kind: "OUTCOME",
      source: "HUMAN",
      name: "outcome",
      label: input.outcome.toLowerCase(),
      passed: input.outcome === "UNKNOWN" ? null : input.outcome === "SUCCESS",
      score: input.outcome === "UNKNOWN" ? null : input.outcome === "SUCCESS" ? 1 : 0,
      comment: input.impact,
      createdById: actor.type === "USER" ? actor.id : null,
    },
    select: { id: true },
  });
  return { result: after, audit: { targetType: "run", targetId: input.runId, before, after, metadata: { evaluationId: evaluation.id } } };
});

export const scoreStepOutputCommand = defineCommand("step_score.record", { user: "runs:write" }, async (tx, actor, input: ScoreOutputInput) => {
  const step = await tx.step.findFirst({ where: { id: input.stepId, runId: input.runId }, select: { id: true, name: true, kind: true } });
  if (!step) throw new AppError("not_found:step", "That step is not part of this run.");
  const [run] = await tx.$queryRaw<{ outputScore: number | null }[]>`SELECT "outputScore" FROM "Run" WHERE id = ${input.runId} FOR UPDATE`;
  if (!run) throw new AppError("not_found:run", "That run no longer exists.");
  const score = normalizeHumanScore(input.score);
  const evaluation = await tx.evaluation.create({
    data: {
      runId: input.runId,
      stepId: step.id,
      kind: "OUTPUT",
      source: "HUMAN",
      name: "human-score",
      score,
      label: `${input.score}/5`,
      passed: input.score >= 3,
      comment: input.comment,
      createdById: actor.type === "USER" ? actor.id : null,
    },
    select: { id: true, score: true, label: true, comment: true },
  });
  // A person's latest judgement wins over heuristics for the run's output quality; HUMAN keeps the evaluators off it.
  await tx.run.update({ where: { id: input.runId }, data: { outputScore: score, outputScoreSource: "HUMAN" } });
  return {
    result: evaluation,
    audit: {
      targetType: "step",
      targetId: step.id,
      before: { runOutputScore: run.outputScore },
      after: { ...evaluation, runOutputScore: score },
      metadata: { runId: input.runId, stepName: step.name },
    },
  };
});

export const recordRunOutcome = (actor: Actor, input: RecordOutcomeInput) => execute(recordRunOutcomeCommand, actor, input);
export const scoreStepOutput = (actor: Actor, input: ScoreOutputInput) => execute(scoreStepOutputCommand, actor, input);
