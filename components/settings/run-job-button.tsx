"use client";
/** "Run now" for one job in Settings › System, with the outcome beside the button. */
import { useActionState } from "react";
import { buttonClass } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/field";
import { IDLE, type ActionState } from "@/lib/forms";
import { runJobNowAction } from "@/lib/jobs/actions";

export function RunJobButton({ name }: { name: string }) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(runJobNowAction, IDLE);
  return (
    <form action={dispatch} className="flex flex-col items-end gap-1">
      <input type="hidden" name="job" value={name} />
      <button type="submit" disabled={pending} className={buttonClass("secondary", "sm")}>
        {pending ? "Running…" : "Run now"}
        {/* Each row has a "Run now": the job's name makes the buttons tell apart for screen readers. */}
        <span className="sr-only"> {name}</span>
      </button>
      <FormMessage state={state} />
    </form>
  );
}
