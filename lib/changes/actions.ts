"use server";
/** The Changes pages' server actions: approve, reject, cancel and roll back a change. Each checks its scope and runs an audited command. */

import "./appliers";
import { revalidatePath } from "next/cache";
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

export async function approveChangeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("changes:approve");
    const parsed = decisionSchema.safeParse({ changeId: text(formData, "changeId"), comment: text(formData, "comment") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const result = await approveChange(actorOf(me), parsed.data);
    refresh(parsed.data.changeId);
    return result.outcome === "superseded" ? { status: "error", message: result.message } : { status: "success", message: result.message };
  } catch (error) {
    return actionError(error, "approveChange");
  }
}

export async function rejectChangeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("changes:approve");
    const parsed = decisionSchema.safeParse({ changeId: text(formData, "changeId"), comment: text(formData, "comment") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const result = await rejectChange(actorOf(me), parsed.data);
    refresh(parsed.data.changeId);
    return { status: "success", message: result.message };
  } catch (error) {
    return actionError(error, "rejectChange");
  }
}

export async function rollbackChangeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("changes:rollback");
    const parsed = rollbackSchema.safeParse({ changeId: text(formData, "changeId"), reason: text(formData, "reason") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const result = await rollbackChange(actorOf(me), parsed.data);
    refresh(parsed.data.changeId);
    const superseded = result.superseded.length ? ` ${result.superseded.length} pending change${result.superseded.length === 1 ? " was" : "s were"} superseded.` : "";
    return { status: "success", message: `Rolled back: ${result.change.title.replace(/^Roll back: /, "")}.${superseded}` };
  } catch (error) {
    return actionError(error, "rollbackChange");
  }
}

export async function cancelChangeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("changes:read");
    const parsed = idSchema.safeParse(text(formData, "changeId"));
    if (!parsed.success) return { status: "error", message: "Unknown change." };
    await cancelChange(actorOf(me), { changeId: parsed.data });
    refresh(parsed.data);
    return { status: "success", message: "Cancelled." };
  } catch (error) {
    return actionError(error, "cancelChange");
  }
}
