"use client";
/**
 * Deciding an escalation: approve as asked, approve with changed arguments
 * (a JSON editor checked as you type), or reject with a comment. Approving or
 * rejecting is irreversible (the waiting agent acts on it at once), so each
 * sits behind a confirmation dialog naming what the agent will do.
 */
import { useActionState, useId, useRef, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, inputClass } from "@/components/ui/field";
import { decideEscalationAction } from "@/lib/escalations/actions";
import { IDLE, type ActionState } from "@/lib/forms";

function parseObject(text: string): { value: Record<string, unknown> | null; error: string | null } {
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== "object" || Array.isArray(value)) return { value: null, error: "The arguments are a JSON object, e.g. { \"amount\": 9000 }." };
    return { value: value as Record<string, unknown>, error: null };
  } catch (error) {
    return { value: null, error: `Not valid JSON: ${error instanceof Error ? error.message : "parse error"}.` };
  }
}

export function EscalationDecisionForm({ escalationId, tool, candidate, approvalsNeeded }: { escalationId: string; tool: string; candidate: unknown; approvalsNeeded: number }) {
  const [state, dispatch, pending] = useActionState<ActionState<{ outcome: string }>, FormData>(decideEscalationAction, IDLE);
  const [verdict, setVerdict] = useState<"approve" | "reject">("approve");
  const [changing, setChanging] = useState(false);
  const original = JSON.stringify(candidate ?? {}, null, 2);
  const [text, setText] = useState(original);
  const dialog = useRef<HTMLDialogElement>(null);
  const [, startTransition] = useTransition();
  // Submitted by hand, not through React's form action, so a refused decision keeps its comment.
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formData = new FormData(event.currentTarget);
    startTransition(() => dispatch(formData));
  };
  const titleId = useId();
  const editorError = changing ? parseObject(text).error : null;
  const changed = changing && !editorError && JSON.stringify(parseObject(text).value) !== JSON.stringify(candidate ?? {});
  const errors = state.status === "invalid" ? state.errors : {};
  const open = (which: "approve" | "reject") => (event: React.MouseEvent<HTMLButtonElement>) => {
    setVerdict(which);
    const form = event.currentTarget.form;
    if (which === "reject" && form) {
      const comment = form.elements.namedItem("comment") as HTMLTextAreaElement | null;
      if (comment && !comment.value.trim()) {
        comment.setCustomValidity("Say why you reject it.");
        comment.reportValidity();
        comment.setCustomValidity("");
        return;
      }
    }
    if (which === "approve" && editorError) return;
    dialog.current?.showModal();
  };
  if (state.status === "success" && state.data?.outcome !== "approval_recorded") {
    return <FormMessage state={state} />;
  }
  return (
    <form action={dispatch} onSubmit={onSubmit} className="space-y-4" aria-label="Decide this escalation">
      <input type="hidden" name="escalationId" value={escalationId} />
      <input type="hidden" name="verdict" value={verdict} />
      <div className="space-y-2">
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" name="changeArguments" checked={changing} onChange={(e) => setChanging(e.target.checked)} className="h-4 w-4 rounded border-slate-300" />
          Approve with changed arguments
        </label>
        {changing && (
          <Field label="Arguments to approve (JSON)" name="arguments" errors={editorError ? [editorError] : errors.arguments} hint="The agent must execute exactly these; ingestion flags a call with anything else.">
            {(p) => <textarea {...p} value={text} onChange={(e) => setText(e.target.value)} rows={Math.min(16, Math.max(4, text.split("\n").length + 1))} spellCheck={false} className={`${inputClass} font-mono text-xs`} />}
          </Field>
        )}
      </div>
      <Field label="Comment" name="comment" errors={errors.comment} hint="The agent receives it with the decision. Required to reject.">
        {(p) => <textarea {...p} rows={3} maxLength={2000} className={inputClass} />}
      </Field>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="button" disabled={pending || Boolean(editorError)} onClick={open("approve")}>
          {changed ? "Approve with these arguments…" : "Approve…"}
        </Button>
        <Button type="button" variant="danger" disabled={pending} onClick={open("reject")}>
          Reject…
        </Button>
        {approvalsNeeded > 1 && <span className="text-xs text-slate-500">Four eyes: {approvalsNeeded} people must approve the same arguments.</span>}
      </div>
      <dialog ref={dialog} aria-labelledby={titleId} className="m-auto w-full max-w-md rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40">
        <div className="p-5">
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            {verdict === "approve" ? `Approve ${tool}?` : `Reject ${tool}?`}
          </h2>
          <p className="mt-2 text-sm text-slate-600">
            {verdict === "approve"
              ? approvalsNeeded > 1
                ? "Your approval is recorded; the agent acts once enough people approved the same arguments."
                : changed
                  ? "The waiting agent is told at once and must execute the changed arguments."
                  : "The waiting agent is told at once and executes the requested arguments."
              : "The waiting agent is told at once that it must not act."}
          </p>
        </div>
        <div className="flex justify-end gap-2 border-t border-slate-100 bg-slate-50 px-5 py-3">
          <Button variant="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </Button>
          <Button variant={verdict === "approve" ? "primary" : "danger"} type="submit" onClick={() => dialog.current?.close()}>
            {verdict === "approve" ? "Approve now" : "Reject now"}
          </Button>
        </div>
      </dialog>
      <FormMessage state={state} />
    </form>
  );
}
