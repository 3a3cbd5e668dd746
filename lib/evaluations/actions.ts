"use server";

import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { recordOutcomeSchema, scoreOutputSchema } from "./schemas";
import { recordRunOutcome, scoreStepOutput } from "./commands";

export async function recordOutcomeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("runs:write");
    const parsed = recordOutcomeSchema.safeParse({
      runId: formData.get("runId"),
      outcome: formData.get("outcome"),
      impact: formData.get("impact") ?? undefined,
      sideEffects: formData.get("sideEffects") ?? undefined,
    });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const run = await recordRunOutcome(actorOf(me), parsed.data);
    revalidatePath(`/runs/${run.id}`);
    revalidatePath("/runs");
    return { status: "success", message: `Recorded the outcome: ${run.outcome.toLowerCase()}.` };
  } catch (error) {
    return actionError(error, "recordOutcome");
  }
}

export async function scoreOutputAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("runs:write");
    const parsed = scoreOutputSchema.safeParse({
      runId: formData.get("runId"),
      stepId: formData.get("stepId"),
      score: formData.get("score") ?? undefined,
      comment: formData.get("comment") ?? undefined,
    });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const evaluation = await scoreStepOutput(actorOf(me), parsed.data);
    revalidatePath(`/runs/${parsed.data.runId}`);
    return { status: "success", message: `Scored this output ${evaluation.label}.` };
  } catch (error) {
    return actionError(error, "scoreOutput");
  }
}
