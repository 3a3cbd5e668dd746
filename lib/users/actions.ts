"use server";

import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { createUserSchema, updateUserSchema } from "./schemas";
import { createUser, updateUser } from "./commands";

export async function createUserAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = createUserSchema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const user = await createUser(actorOf(me), parsed.data);
    revalidatePath("/settings");
    return { status: "success", message: `Created ${user.email} as ${user.role}.` };
  } catch (error) {
    return actionError(error, "createUser");
  }
}

export async function updateUserAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = updateUserSchema.safeParse({
      userId: formData.get("userId"),
      role: formData.get("role"),
      disabled: formData.get("disabled") === "on",
    });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const user = await updateUser(actorOf(me), parsed.data);
    revalidatePath("/settings");
    return { status: "success", message: `Saved ${user.email}: ${user.role}${user.disabled ? ", disabled" : ""}.` };
  } catch (error) {
    return actionError(error, "updateUser");
  }
}
