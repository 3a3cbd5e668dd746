"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { IDLE, type ActionState } from "@/lib/forms";
import { signOutOtherSessionsAction } from "@/lib/users/actions";

/** Ends every session of the signed-in user except this one (a lost laptop, a shared computer). */
export function SignOutOthersForm({ others }: { others: number }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(signOutOtherSessionsAction, IDLE);
  return (
    <form action={action} className="flex flex-wrap items-center gap-3" aria-label="Sign out other sessions">
      <Button type="submit" variant="secondary" size="sm" disabled={pending || others === 0}>
        {pending ? "Signing out…" : "Sign out other sessions"}
      </Button>
      <FormMessage state={state} />
    </form>
  );
}
