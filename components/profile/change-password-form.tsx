"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, inputClass } from "@/components/ui/field";
import { IDLE, type ActionState } from "@/lib/forms";
import { changeOwnPasswordAction } from "@/lib/users/actions";

/** The signed-in user's own password: the current one, the new one twice. `minLength` from lib/passwords (server-only: Argon2). */
export function ChangePasswordForm({ minLength }: { minLength: number }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(changeOwnPasswordAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form action={action} className="grid max-w-md gap-3" aria-label="Change your password">
      <Field label="Current password" name="currentPassword" errors={errors.currentPassword}>
        {(p) => <input {...p} type="password" required className={inputClass} autoComplete="current-password" />}
      </Field>
      <Field label="New password" name="newPassword" errors={errors.newPassword} hint={`At least ${minLength} characters.`}>
        {(p) => <input {...p} type="password" required minLength={minLength} className={inputClass} autoComplete="new-password" />}
      </Field>
      <Field label="Confirm new password" name="confirmPassword" errors={errors.confirmPassword}>
        {(p) => <input {...p} type="password" required minLength={minLength} className={inputClass} autoComplete="new-password" />}
      </Field>
      <div>
        <Button type="submit" disabled={pending}>
          {pending ? "Changing…" : "Change password"}
        </Button>
      </div>
      <FormMessage state={state} />
    </form>
  );
}
