"use server";
/**
 * The policy form's server actions (Settings and the escalations' policy
 * page): save a policy through change control, and try it against history
 * before saving. Both check `policies:write` themselves.
 */
import "@/lib/changes/appliers";
import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { setPolicy } from "./commands";
import { policyFormInput, policyFormSchema } from "./schemas";
import { tryPolicy, type TrialResult } from "./trial";

type SaveResult = ActionState<{ changeId: string; applied: boolean; loosens: string[] }>;

export async function savePolicyAction(_prev: SaveResult, formData: FormData): Promise<SaveResult> {
  try {
    const me = await requireScope("policies:write");
    const parsed = policyFormSchema.safeParse(policyFormInput(formData));
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const { policyId, name, state, reason } = parsed.data;
    const { change, applied, loosens } = await setPolicy(actorOf(me), {
      name,
      state,
      reason: reason || (policyId ? "Changed in the console." : "Added in the console."),
      expect: policyId ? "present" : "absent",
    });
    revalidatePath("/settings");
    revalidatePath("/escalations/policies");
    revalidatePath("/changes");
    return {
      status: "success",
      message: applied ? `Applied: ${change.title}.` : `Proposed: it ${loosens.join(", ")}, so it waits for another person's approval.`,
      data: { changeId: change.id, applied, loosens },
    };
  } catch (error) {
    return actionError(error, "savePolicy");
  }
}

type TrialState = ActionState<TrialResult>;

export async function tryPolicyAction(_prev: TrialState, formData: FormData): Promise<TrialState> {
  try {
    await requireScope("policies:write");
    // A name is not needed to try a policy.
    if (!String(formData.get("name") ?? "").trim()) formData.set("name", "trial");
    const parsed = policyFormSchema.safeParse(policyFormInput(formData));
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const result = await tryPolicy(parsed.data.state);
    return { status: "success", message: result.summary, data: result };
  } catch (error) {
    return actionError(error, "tryPolicy");
  }
}
