"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { AppError } from "@/lib/errors";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, getCurrentUser, requireScope, type SessionUser } from "@/lib/session";
import { changePasswordSchema, createUserSchema, resetPasswordSchema, updateUserSchema, userIdSchema } from "./schemas";
import { changeOwnPassword, createUser, resetPassword, signOutEverywhere, signOutOtherSessions, updateUser } from "./commands";

/** The profile's actions are for every signed-in user, including one who must change their password first. */
async function requireSignedIn(): Promise<SessionUser> {
  const me = await getCurrentUser();
  if (!me) throw new AppError("unauthorized:session", "Your session has ended. Sign in again.");
  return me;
}

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

export async function changeOwnPasswordAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  let wasRequired = false;
  try {
    const me = await requireSignedIn();
    const parsed = changePasswordSchema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const result = await changeOwnPassword(actorOf(me), { ...parsed.data, sessionId: me.sessionId });
    wasRequired = result.wasRequired;
    revalidatePath("/", "layout");
    if (!wasRequired) {
      const others = result.revokedSessions === 1 ? "1 other session was" : `${result.revokedSessions} other sessions were`;
      return { status: "success", message: `Password changed. ${others} signed out.` };
    }
  } catch (error) {
    if (error instanceof AppError && error.code === "bad_request:current_password") return invalid({ currentPassword: [error.message] });
    if (error instanceof AppError && error.code === "bad_request:new_password") return invalid({ newPassword: [error.message] });
    return actionError(error, "changeOwnPassword");
  }
  // Outside the try: redirect() throws. The console was closed to them until now.
  redirect("/");
}

export async function signOutOtherSessionsAction(_prev: ActionState, _formData: FormData): Promise<ActionState> {
  try {
    const me = await requireSignedIn();
    const { revokedSessions } = await signOutOtherSessions(actorOf(me), me.sessionId);
    revalidatePath("/profile");
    return { status: "success", message: revokedSessions === 1 ? "Signed out 1 other session." : `Signed out ${revokedSessions} other sessions.` };
  } catch (error) {
    return actionError(error, "signOutOtherSessions");
  }
}

/** The password (typed by the admin, or generated) comes back once, in `data`, for the admin to hand over. */
export async function resetPasswordAction(_prev: ActionState<{ password: string }>, formData: FormData): Promise<ActionState<{ password: string }>> {
  try {
    const me = await requireScope("admin");
    const parsed = resetPasswordSchema.safeParse({ userId: formData.get("userId"), password: formData.get("password") ?? undefined });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const result = await resetPassword(actorOf(me), parsed.data);
    revalidatePath("/settings");
    return {
      status: "success",
      message: `Password of ${result.email} reset; their sessions ended. They must choose a new one when they sign in.`,
      data: { password: result.password },
    };
  } catch (error) {
    return actionError(error, "resetPassword");
  }
}

export async function signOutEverywhereAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = userIdSchema.safeParse({ userId: formData.get("userId") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const result = await signOutEverywhere(actorOf(me), parsed.data.userId);
    revalidatePath("/settings");
    return { status: "success", message: `Signed ${result.email} out everywhere (${result.revokedSessions} sessions).` };
  } catch (error) {
    return actionError(error, "signOutEverywhere");
  }
}
