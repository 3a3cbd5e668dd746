"use server";
/** The Prompts pages' server actions: publishing a new version from the console form. */

import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { createPromptVersion } from "./commands";
import { promptVersionFormSchema, promptVersionFromForm } from "./schemas";

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
