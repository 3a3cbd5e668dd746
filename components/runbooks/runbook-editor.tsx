"use client";
/**
 * The runbook card's "Edit" form: the markdown in a textarea with a preview,
 * a "why" message, saved as a new version. A refused save keeps the text (and
 * says why); a save on top of someone else's newer version is refused by the
 * server, with the text still here to copy. Ctrl/⌘+Enter saves.
 */
import { useActionState, useRef, useState } from "react";
import { Button, buttonClass } from "@/components/ui/button";
import { Field, FormMessage, inputClass, SubmitRow } from "@/components/ui/field";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { IDLE } from "@/lib/forms";
import { updateAgentRunbookAction, type UpdateRunbookState } from "@/lib/runbooks/actions";
import { Markdown } from "./markdown";

export function RunbookEditor({
  agentId,
  agentName,
  body,
  version,
  maxChars,
  messageMaxChars,
}: {
  agentId: string;
  agentName: string;
  body: string;
  version: number;
  maxChars: number;
  messageMaxChars: number;
}) {
  const [open, setOpen] = useState(false);
  const [preview, setPreview] = useState(false);
  const [draft, setDraft] = useState(body);
  // A save closes the form; the page re-renders with the new version.
  const [state, action, pending] = useActionState<UpdateRunbookState, FormData>(async (previous, formData) => {
    const next = await updateAgentRunbookAction(previous, formData);
    if (next.status === "success") {
      setOpen(false);
      setPreview(false);
    }
    return next;
  }, IDLE);
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const errors = state.status === "invalid" ? state.errors : {};

  const openEditor = () => {
    setDraft(body);
    setPreview(false);
    setOpen(true);
    requestAnimationFrame(() => textarea.current?.focus());
  };
  const close = () => {
    setOpen(false);
    requestAnimationFrame(() => editButton.current?.focus());
  };

  if (!open) {
    return (
      <div className="flex flex-wrap items-center gap-3">
        <button ref={editButton} type="button" className={buttonClass("secondary", "sm")} onClick={openEditor} aria-label={`Edit the runbook of ${agentName}`}>
          Edit
        </button>
        {state.status === "success" && <FormMessage state={state} />}
      </div>
    );
  }

  const modeButton = (on: boolean, label: string) => (
    <button
      type="button"
      aria-pressed={preview === on}
      onClick={() => setPreview(on)}
      className={`rounded-md px-2.5 py-1 text-xs font-medium ${preview === on ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100"}`}
    >
      {label}
    </button>
  );

  return (
    <form ref={ref} action={action} onSubmit={onSubmit} className="space-y-3" aria-label={`Edit the runbook of ${agentName}`}>
      <input type="hidden" name="agentId" value={agentId} />
      <input type="hidden" name="baseVersion" value={String(version)} />
      <div role="group" aria-label="Editor mode" className="flex gap-1">
        {modeButton(false, "Write")}
        {modeButton(true, "Preview")}
      </div>
      <div hidden={preview}>
        <Field
          label="Runbook (markdown)"
          name="body"
          errors={errors.body}
          hint={`What to check and whom to call. Markdown: # headings, - lists, **bold**, \`code\`, [links](https://…) (http and https only; HTML is shown as text). ${draft.length.toLocaleString("en-US")} of ${maxChars.toLocaleString("en-US")} characters. Ctrl+Enter saves.`}
        >
          {(p) => (
            <textarea
              {...p}
              ref={textarea}
              rows={12}
              maxLength={maxChars}
              defaultValue={body}
              onChange={(e) => setDraft(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  e.currentTarget.form?.requestSubmit();
                }
              }}
              className={`${inputClass} font-mono`}
              spellCheck
            />
          )}
        </Field>
      </div>
      {preview && (
        <div className="min-h-24 rounded-md bg-white p-3 ring-1 ring-slate-200" data-testid="runbook-preview" role="region" aria-label="Preview">
          {draft.trim() === "" ? <p className="text-sm text-slate-600">Nothing to preview: saving an empty runbook removes it (the old text stays in the history).</p> : <Markdown source={draft} />}
        </div>
      )}
      <Field label="Why (optional)" name="message" errors={errors.message} hint="A sentence for the history, e.g. “new on-call number for finance”.">
        {(p) => <input {...p} maxLength={messageMaxChars} className={inputClass} autoComplete="off" />}
      </Field>
      <div className="flex flex-wrap items-center gap-3">
        <SubmitRow label="Save runbook" pendingLabel="Saving…" pending={pending} state={state.status === "success" ? IDLE : state} />
        <Button variant="ghost" size="sm" onClick={close} disabled={pending}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
