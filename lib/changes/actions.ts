"use server";
/** The Changes pages' server actions: approve, reject, cancel and roll back a change. Each checks its scope and runs an audited command. */

import "./appliers";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { ROW_ID } from "@/lib/ids";
import { reasonSchema } from "@/lib/prompts/labels-schema";
import { actorOf, requireScope } from "@/lib/session";
import { approveChange, cancelChange, rejectChange, rollbackChange } from "./commands";

const idSchema = z.string().regex(ROW_ID, "Unknown change.");
const decisionSchema = z.object({ changeId: idSchema, comment: reasonSchema });
const rollbackSchema = z.object({ changeId: idSchema, reason: reasonSchema });

const text = (formData: FormData, name: string) => {
  const v = formData.get(name);
  return typeof v === "string" ? v : "";
};

function refresh(changeId: string) {
  revalidatePath("/changes");
  revalidatePath(`/changes/${changeId}`);
  revalidatePath("/prompts", "layout");
  revalidatePath("/agents", "layout");
  revalidatePath("/");
}

// A decision changes what the change's page shows (the Decide card goes), so a
// decided change's page is reloaded with `?done=` and says what happened there.

export async function approveChangeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  let done: string;
  let changeId: string;
  try {
    const me = await requireScope("changes:approve");
    const parsed = decisionSchema.safeParse({ changeId: text(formData, "changeId"), comment: text(formData, "comment") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const result = await approveChange(actorOf(me), parsed.data);
    refresh(parsed.data.changeId);
    changeId = parsed.data.changeId;
    done = result.outcome;
  } catch (error) {
    return actionError(error, "approveChange");
  }
  redirect(`/changes/${changeId}?done=${done}`);
}

export async function rejectChangeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  let changeId: string;
  try {
    const me = await requireScope("changes:approve");
    const parsed = decisionSchema.safeParse({ changeId: text(formData, "changeId"), comment: text(formData, "comment") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    await rejectChange(actorOf(me), parsed.data);
    refresh(parsed.data.changeId);
    changeId = parsed.data.changeId;
  } catch (error) {
    return actionError(error, "rejectChange");
  }
  redirect(`/changes/${changeId}?done=rejected`);
}

export async function rollbackChangeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  let rollbackId: string;
  let superseded: number;
  try {
    const me = await requireScope("changes:rollback");
    const parsed = rollbackSchema.safeParse({ changeId: text(formData, "changeId"), reason: text(formData, "reason") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const result = await rollbackChange(actorOf(me), parsed.data);
    refresh(parsed.data.changeId);
    rollbackId = result.change.id;
    superseded = result.superseded.length;
  } catch (error) {
    return actionError(error, "rollbackChange");
  }
  redirect(`/changes/${rollbackId}?done=rolled_back${superseded ? `&superseded=${superseded}` : ""}`);
}

export async function cancelChangeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("changes:read");
    const parsed = idSchema.safeParse(text(formData, "changeId"));
    if (!parsed.success) return { status: "error", message: "Unknown change." };
    await cancelChange(actorOf(me), { changeId: parsed.data });
    refresh(parsed.data);
  } catch (error) {
    return actionError(error, "cancelChange");
  }
  redirect(`/changes/${text(formData, "changeId")}?done=cancelled`);
}
