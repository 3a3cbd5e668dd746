"use client";
/** "Move a label": point a label at a version, optionally with a canary version taking a share of callers. Protected labels are proposed, not moved. */

import { useActionState, useState } from "react";
import { OpenChangeLink, ReasonField, VersionSelect } from "@/components/changes/proposal-parts";
import { Field, inputClass, SubmitRow } from "@/components/ui/field";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { IDLE, type ActionState } from "@/lib/forms";
import { moveLabelAction, setProtectedLabelsAction } from "@/lib/prompts/actions";

type State = ActionState<{ changeId: string; applied: boolean }>;

export function MoveLabelForm({ prompt, versions, labels, protectedLabels }: { prompt: string; versions: number[]; labels: string[]; protectedLabels: string[] }) {
  const [state, action, pending] = useActionState<State, FormData>(moveLabelAction, IDLE);
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  const [label, setLabel] = useState("production");
  const [split, setSplit] = useState(false);
  const errors = state.status === "invalid" ? state.errors : {};
  const isProtected = protectedLabels.includes(label.trim());
  const listId = `labels-${prompt}`;
  return (
    <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-3 px-5 py-4 md:grid-cols-2" aria-label="Move a label">
      <input type="hidden" name="prompt" value={prompt} />
      <Field label="Label" name="label" errors={errors.label} hint={isProtected ? "Protected: this proposes a change that another person approves." : "Not protected: the move applies at once."}>
        {(p) => <input {...p} list={listId} required maxLength={50} value={label} onChange={(e) => setLabel(e.target.value)} className={`${inputClass} font-mono`} autoComplete="off" />}
      </Field>
      <datalist id={listId}>
        {[...new Set(["production", "staging", ...labels])].map((l) => (
          <option key={l} value={l} />
        ))}
      </datalist>
      <VersionSelect label="Version" name="version" versions={versions} errors={errors.version} />
      <div className="md:col-span-2">
        <label className="inline-flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" checked={split} onChange={(e) => setSplit(e.target.checked)} className="h-4 w-4 rounded border-slate-300" />
          Split traffic with a canary version (A/B test)
        </label>
      </div>
      {split && (
        <>
          <VersionSelect label="Canary version" name="canaryVersion" versions={versions} errors={errors.canaryVersion} placeholder="Choose…" hint="Callers passing the same key always get the same side." />
          <Field label="Canary share (%)" name="canaryWeight" errors={errors.canaryWeight} hint="1 to 99 % of callers get the canary.">
            {(p) => <input {...p} type="number" required min={1} max={99} step={1} defaultValue={10} className={inputClass} />}
          </Field>
        </>
      )}
      <ReasonField errors={errors.reason} hint="Why this move: reviewers and the audit log see it." />
      <SubmitRow label={isProtected ? "Propose move" : "Move label"} pendingLabel="Saving…" pending={pending} state={state} className="md:col-span-2" />
      <OpenChangeLink state={state} />
    </form>
  );
}

export function ProtectedLabelsForm({ prompt, protectedLabels }: { prompt: string; protectedLabels: string[] }) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(setProtectedLabelsAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form action={dispatch} className="flex flex-wrap items-end gap-3 px-5 py-4" aria-label="Protected labels">
      <input type="hidden" name="prompt" value={prompt} />
      <Field label="Protected labels" name="labels" errors={errors.labels} hint="Space or comma separated. Moving one of these needs a second person's approval." className="min-w-72 flex-1">
        {(p) => <input {...p} defaultValue={protectedLabels.join(", ")} className={`${inputClass} font-mono`} autoComplete="off" />}
      </Field>
      <SubmitRow label="Save protection" pendingLabel="Saving…" pending={pending} state={state} />
    </form>
  );
}
