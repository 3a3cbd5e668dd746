"use client";
/** Deciding a change (approve / reject with a comment), rolling it back (reason + confirmation) and cancelling one's own proposal. */

import { useActionState, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, inputClass } from "@/components/ui/field";
import { approveChangeAction, cancelChangeAction, rejectChangeAction, rollbackChangeAction } from "@/lib/changes/actions";
import { IDLE, type ActionState } from "@/lib/forms";

export function DecisionForm({ changeId }: { changeId: string }) {
  const [approved, approve, approving] = useActionState<ActionState, FormData>(approveChangeAction, IDLE);
  const [rejected, reject, rejecting] = useActionState<ActionState, FormData>(rejectChangeAction, IDLE);
  const [which, setWhich] = useState<"approve" | "reject">("approve");
  const last = which === "approve" ? approved : rejected;
  const errors = last.status === "invalid" ? last.errors : {};
  const pending = approving || rejecting;
  return (
    <form className="space-y-3" aria-label="Decide this change">
      <input type="hidden" name="changeId" value={changeId} />
      <Field label="Comment" name="comment" errors={errors.comment} hint="Required: what you checked, or why not.">
        {(p) => <textarea {...p} required rows={3} maxLength={1000} className={inputClass} />}
      </Field>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" formAction={approve} disabled={pending} onClick={() => setWhich("approve")}>
          {approving ? "Approving…" : "Approve and apply"}
        </Button>
        <Button type="submit" variant="danger" formAction={reject} disabled={pending} onClick={() => setWhich("reject")}>
          {rejecting ? "Rejecting…" : "Reject"}
        </Button>
      </div>
      <FormMessage state={last} />
    </form>
  );
}

export function RollbackForm({ changeId, title }: { changeId: string; title: string }) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(rollbackChangeAction, IDLE);
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form action={dispatch} className="space-y-3" aria-label="Roll back this change">
      <input type="hidden" name="changeId" value={changeId} />
      <Field label="Reason for the rollback" name="reason" errors={errors.reason} hint="Restores the previous state at once, without waiting for approval.">
        {(p) => <textarea {...p} required rows={2} maxLength={1000} className={inputClass} />}
      </Field>
      <Button
        variant="danger"
        disabled={pending}
        onClick={(event) => {
          const form = event.currentTarget.form;
          if (form && !form.reportValidity()) return;
          dialog.current?.showModal();
        }}
      >
        {pending ? "Rolling back…" : "Roll back"}
      </Button>
      <dialog ref={dialog} aria-labelledby={titleId} className="m-auto w-full max-w-md rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40">
        <div className="p-5">
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            Roll back this change?
          </h2>
          <p className="mt-2 text-sm text-slate-600">“{title}” is undone at once: the previous state is restored as a new applied change, linked to this one.</p>
        </div>
        <div className="flex justify-end gap-2 border-t border-slate-100 bg-slate-50 px-5 py-3">
          <Button variant="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </Button>
          <Button variant="danger" type="submit" onClick={() => dialog.current?.close()}>
            Roll back now
          </Button>
        </div>
      </dialog>
      <FormMessage state={state} />
    </form>
  );
}

export function CancelChangeForm({ changeId }: { changeId: string }) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(cancelChangeAction, IDLE);
  return (
    <form action={dispatch} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="changeId" value={changeId} />
      <Button type="submit" variant="secondary" size="sm" disabled={pending}>
        {pending ? "Cancelling…" : "Withdraw my proposal"}
      </Button>
      <FormMessage state={state} />
    </form>
  );
}
