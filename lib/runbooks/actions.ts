"use server";
/** The runbook card's server action: saving an edit of an agent's runbook (a new version). */

import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { updateAgentRunbook } from "./commands";
import { runbookFormInput, updateAgentRunbookSchema } from "./schemas";

export type UpdateRunbookState = ActionState<{ version: number; changed: boolean }>;

export async function updateAgentRunbookAction(_prev: UpdateRunbookState, formData: FormData): Promise<UpdateRunbookState> {
  try {
    const me = await requireScope("agents:write");
    const parsed = updateAgentRunbookSchema.safeParse(runbookFormInput(formData));
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues);
      // The hidden fields are not the person's to correct: say so as a message, not as a field error.
      if (errors.agentId || errors.baseVersion || errors.form) return { status: "error", message: "This form is out of date or was tampered with; reload the page." };
      return invalid(errors);
    }
    const saved = await updateAgentRunbook(actorOf(me), parsed.data);
    revalidatePath(`/agents/${encodeURIComponent(saved.agentName)}`);
    revalidatePath("/agents");
    return saved.changed
      ? { status: "success", message: `Saved as version ${saved.version}.`, data: { version: saved.version, changed: true } }
      : { status: "success", message: "Nothing changed: the runbook already says that.", data: { version: saved.version, changed: false } };
  } catch (error) {
    return actionError(error, "updateAgentRunbook");
  }
}
