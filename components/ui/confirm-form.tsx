"use client";

import { useActionState } from "react";
import { IDLE, type ActionState } from "@/lib/forms";
import { ConfirmDialog } from "./confirm-dialog";
import { FormMessage } from "./field";

/**
 * A destructive action on one record: hidden fields naming it, a confirmation
 * dialog, and the refusal (if any) beside the button.
 */
export function ConfirmForm({
  action,
  fields,
  trigger,
  title,
  body,
  confirmLabel,
  className = "flex items-center justify-end gap-2",
}: {
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
  fields: Record<string, string>;
  trigger: string;
  title: string;
  body: string;
  confirmLabel: string;
  className?: string;
}) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(action, IDLE);
  return (
    <form action={dispatch} className={className}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <ConfirmDialog trigger={trigger} title={title} body={body} confirmLabel={confirmLabel} pending={pending} />
      {state.status === "error" && <FormMessage state={state} />}
    </form>
  );
}
