import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createRun } from "@/tests/factories/runs";
import { recordOutcomeSchema } from "./schemas";
import { recordRunOutcome, scoreStepOutput } from "./commands";

const actor = { type: "SYSTEM" as const, label: "test" };

describe("outcomes and output scores", () => {
  it("records a run's outcome with an Evaluation and an audit event holding before and after", async () => {
    const { run } = await createRun(db, { steps: [{ kind: "LLM_CALL" }] });
    const input = recordOutcomeSchema.parse({ runId: run.id, outcome: "FAILURE", impact: "Refunded twice", sideEffects: "refund 120 USD\n\nemail sent" });
    await recordRunOutcome(actor, input);
    const after = await db.run.findUniqueOrThrow({ where: { id: run.id } });
    expect(after).toMatchObject({ outcome: "FAILURE", outcomeImpact: "Refunded twice", sideEffects: ["refund 120 USD", "email sent"] });
    expect(await db.evaluation.findFirst({ where: { runId: run.id, kind: "OUTCOME" } })).toMatchObject({ source: "HUMAN", passed: false, score: 0 });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "run_outcome.record", targetId: run.id } });
    expect(audit.before).toMatchObject({ outcome: "UNKNOWN" });
    expect(audit.after).toMatchObject({ outcome: "FAILURE" });
  });

  it("scores a step, which sets the run's output score, and refuses a step of another run", async () => {
    const { run } = await createRun(db, { outputScore: 0.2, steps: [{ kind: "LLM_CALL" }] });
    const other = await createRun(db, { steps: [{ kind: "LLM_CALL" }] });
    const step = await db.step.findFirstOrThrow({ where: { runId: run.id } });
    const otherStep = await db.step.findFirstOrThrow({ where: { runId: other.run.id } });
    await scoreStepOutput(actor, { runId: run.id, stepId: step.id, score: 5, comment: "clear" });
    expect((await db.run.findUniqueOrThrow({ where: { id: run.id } })).outputScore).toBe(1);
    expect(await db.auditEvent.count({ where: { action: "step_score.record", targetId: step.id } })).toBe(1);
    await expect(scoreStepOutput(actor, { runId: run.id, stepId: otherStep.id, score: 1, comment: null })).rejects.toMatchObject({ code: "not_found:step" });
    await expect(recordRunOutcome(actor, recordOutcomeSchema.parse({ runId: "nope", outcome: "SUCCESS" }))).rejects.toMatchObject({ code: "not_found:run" });
  });

  it("rejects malformed input", () => {
    expect(recordOutcomeSchema.safeParse({ runId: "x", outcome: "MAYBE" }).success).toBe(false);
    expect(recordOutcomeSchema.safeParse({ runId: "bad id!", outcome: "SUCCESS" }).success).toBe(false);
  });
});
