"use server";
/** The Prompts pages' server actions: publishing a new version, moving (or proposing to move) a label, protecting labels. */

import "@/lib/changes/appliers";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { createPromptVersion } from "./commands";
import { moveLabel, setProtectedLabels } from "./labels";
import { labelMoveFormSchema, labelNameSchema } from "./labels-schema";
import { promptNameSchema, promptVersionFormSchema, promptVersionFromForm } from "./schemas";

export async function createPromptVersionAction(_prev: ActionState<{ name: string; version: number }>, formData: FormData): Promise<ActionState<{ name: string; version: number }>> {
  try {
    const me = await requireScope("prompts:write");
    const parsed = promptVersionFormSchema.safeParse(promptVersionFromForm(formData));
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const { name, ...input } = parsed.data;
    const created = await createPromptVersion(actorOf(me), name, input);
    revalidatePath("/prompts");
    revalidatePath(`/prompts/${created.name}`);
    return { status: "success", message: `Published ${created.name} version ${created.version}.`, data: { name: created.name, version: created.version } };
  } catch (error) {
    return actionError(error, "createPromptVersion");
  }
}

/** Moves a label (unprotected) or proposes the move (protected): the "Move label" form. */
export async function moveLabelAction(_prev: ActionState<{ changeId: string; applied: boolean }>, formData: FormData): Promise<ActionState<{ changeId: string; applied: boolean }>> {
  try {
    const me = await requireScope("changes:propose");
    const prompt = promptNameSchema.safeParse(formData.get("prompt"));
    if (!prompt.success) return { status: "error", message: "Unknown prompt." };
    const field = (name: string) => {
      const v = formData.get(name);
      return typeof v === "string" ? v : "";
    };
    const parsed = labelMoveFormSchema.safeParse({
      label: field("label"),
      version: field("version"),
      canaryVersion: field("canaryVersion"),
      canaryWeight: field("canaryWeight"),
      reason: field("reason"),
    });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const { change, applied } = await moveLabel(actorOf(me), { prompt: prompt.data, ...parsed.data });
    revalidatePath(`/prompts/${prompt.data}`);
    revalidatePath("/prompts");
    revalidatePath("/changes");
    return {
      status: "success",
      message: applied ? `Moved: ${change.title}.` : `Proposed: ${change.title}. It waits for another person's approval.`,
      data: { changeId: change.id, applied },
    };
  } catch (error) {
    return actionError(error, "moveLabel");
  }
}

/** Sets a prompt's protected labels (admins). */
export async function setProtectedLabelsAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const prompt = promptNameSchema.safeParse(formData.get("prompt"));
    if (!prompt.success) return { status: "error", message: "Unknown prompt." };
    const raw = typeof formData.get("labels") === "string" ? String(formData.get("labels")) : "";
    const labels = raw.split(/[\s,]+/).filter(Boolean);
    const parsed = z.array(labelNameSchema).max(20, "At most 20 protected labels.").safeParse(labels);
    if (!parsed.success) return invalid({ labels: [parsed.error.issues[0]?.message ?? "Invalid label."] });
    const saved = await setProtectedLabels(actorOf(me), prompt.data, parsed.data);
    revalidatePath(`/prompts/${prompt.data}`);
    return { status: "success", message: saved.length ? `Protected: ${saved.join(", ")}.` : "No label is protected now: every move applies at once." };
  } catch (error) {
    return actionError(error, "setProtectedLabels");
  }
}
