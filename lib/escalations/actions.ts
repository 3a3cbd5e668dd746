"use server";
/**
 * The escalation pages' server actions: decide (approve, approve with changed
 * arguments, reject) and claim or release. Each checks the caller's scope,
 * validates the form, and leaves every rule (still pending, the policy's
 * role, four eyes, claims) to the command, which re-checks the record in its
 * transaction: ids from the browser are untrusted.
 */
import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { claimEscalation, decideEscalation, releaseEscalation } from "./commands";
import { decisionFormSchema, escalationIdSchema } from "./schemas";

type Result = ActionState<{ outcome: string }>;

function refresh(id: string) {
  revalidatePath("/escalations");
  revalidatePath(`/escalations/${id}`);
  revalidatePath("/escalations/history");
}

export async function decideEscalationAction(_prev: Result, formData: FormData): Promise<Result> {
  try {
    const me = await requireScope("escalations:decide");
    const parsed = decisionFormSchema.safeParse({
      escalationId: String(formData.get("escalationId") ?? ""),
      verdict: String(formData.get("verdict") ?? ""),
      comment: String(formData.get("comment") ?? ""),
      changeArguments: formData.get("changeArguments") === "on",
      arguments: String(formData.get("arguments") ?? ""),
    });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const { escalationId, verdict, comment, arguments: args } = parsed.data;
    const { outcome, message } = await decideEscalation(actorOf(me), { escalationId, verdict, comment, arguments: args });
    refresh(escalationId);
    return { status: "success", message, data: { outcome } };
  } catch (error) {
    return actionError(error, "decideEscalation");
  }
}

async function claimOrRelease(formData: FormData, which: "claim" | "release"): Promise<Result> {
  try {
    const me = await requireScope("escalations:decide");
    const id = escalationIdSchema.safeParse(String(formData.get("escalationId") ?? ""));
    if (!id.success) return { status: "error", message: "Unknown escalation." };
    if (which === "claim") {
      const { claimExpiresAt } = await claimEscalation(actorOf(me), { escalationId: id.data });
      refresh(id.data);
      return { status: "success", message: `Claimed until ${claimExpiresAt?.slice(11, 16)} UTC: others see you are working on it.`, data: { outcome: "claimed" } };
    }
    const { released } = await releaseEscalation(actorOf(me), { escalationId: id.data });
    refresh(id.data);
    return { status: "success", message: released ? "Released: someone else can take it." : "It was not claimed by you.", data: { outcome: "released" } };
  } catch (error) {
    return actionError(error, `${which}Escalation`);
  }
}

export async function claimEscalationAction(_prev: Result, formData: FormData): Promise<Result> {
  return claimOrRelease(formData, "claim");
}

export async function releaseEscalationAction(_prev: Result, formData: FormData): Promise<Result> {
  return claimOrRelease(formData, "release");
}
