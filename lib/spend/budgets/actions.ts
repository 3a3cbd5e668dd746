"use server";
/** The spend page's budget actions: set a budget (new or changed) and remove one, each a change through change control. */

import "@/lib/changes/appliers";
import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { setBudget } from "./commands";
import { budgetFormInput, budgetFormSchema, reasonSchema, targetOfForm, parseTargetKey, toLimitString } from "./schemas";

type Result = ActionState<{ changeId: string; applied: boolean }>;

function done(change: { id: string; title: string }, applied: boolean): Result {
  revalidatePath("/spend");
  revalidatePath("/changes");
  revalidatePath("/");
  return {
    status: "success",
    message: applied ? `Applied: ${change.title}.` : `Proposed: ${change.title}. Raising a limit or removing a cap waits for another person's approval.`,
    data: { changeId: change.id, applied },
  };
}

export async function setBudgetAction(_prev: Result, formData: FormData): Promise<Result> {
  try {
    const me = await requireScope("budgets:write");
    const parsed = budgetFormSchema.safeParse(budgetFormInput(formData));
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const form = parsed.data;
    const { change, applied } = await setBudget(actorOf(me), {
      target: targetOfForm(form),
      state: { monthlyLimitUsd: toLimitString(form.monthlyLimitUsd), thresholds: form.thresholds, hardCap: form.hardCap },
      reason: form.reason,
      expect: form.budgetId ? "present" : "absent",
    });
    return done(change, applied);
  } catch (error) {
    return actionError(error, "setBudget");
  }
}

export async function removeBudgetAction(_prev: Result, formData: FormData): Promise<Result> {
  try {
    const me = await requireScope("budgets:write");
    const target = parseTargetKey(String(formData.get("target") ?? ""));
    if (!target) return { status: "error", message: "Unknown budget." };
    const reason = reasonSchema.safeParse(formData.get("reason") ?? "");
    if (!reason.success) return invalid({ reason: reason.error.issues.map((i) => i.message) });
    const { change, applied } = await setBudget(actorOf(me), { target, state: null, reason: reason.data, expect: "present" });
    return done(change, applied);
  } catch (error) {
    return actionError(error, "removeBudget");
  }
}
