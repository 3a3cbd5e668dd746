"use client";
/** "Propose a configuration": a new, immutable configuration version for an agent, applied when a second person approves it. */

import { useActionState } from "react";
import { OpenChangeLink, ReasonField } from "@/components/changes/proposal-parts";
import { Field, inputClass, SubmitRow } from "@/components/ui/field";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { proposeAgentConfigAction } from "@/lib/agents/actions";
import { AUTONOMY_LABELS, AUTONOMY_LEVELS } from "@/lib/agents/config-schema";
import { IDLE, type ActionState } from "@/lib/forms";

type State = ActionState<{ changeId: string; applied: boolean }>;

export interface ConfigDefaults {
  model: string;
  promptName: string;
  promptLabel: string;
  allowedTools: string;
  authorityLimits: string;
  autonomyLevel: string;
}

export function ProposeConfigForm({ agent, defaults, isProtected }: { agent: string; defaults: ConfigDefaults; isProtected: boolean }) {
  const [state, action, pending] = useActionState<State, FormData>(proposeAgentConfigAction, IDLE);
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-3 px-5 py-4 md:grid-cols-2" aria-label="Propose a configuration">
      <input type="hidden" name="agent" value={agent} />
      <Field label="Model" name="model" errors={errors.model} hint="e.g. gpt-4o. Empty: whatever the agent's code chooses.">
        {(p) => <input {...p} defaultValue={defaults.model} maxLength={200} className={`${inputClass} font-mono`} autoComplete="off" />}
      </Field>
      <Field label="Autonomy level" name="autonomyLevel" errors={errors.autonomyLevel}>
        {(p) => (
          <select {...p} defaultValue={defaults.autonomyLevel} className={inputClass}>
            {AUTONOMY_LEVELS.map((l) => (
              <option key={l} value={l}>
                {AUTONOMY_LABELS[l]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Prompt" name="promptName" errors={errors.promptName} hint="The prompt the agent fetches, e.g. invoice-reconcile.">
        {(p) => <input {...p} defaultValue={defaults.promptName} maxLength={100} className={`${inputClass} font-mono`} autoComplete="off" />}
      </Field>
      <Field label="Prompt label" name="promptLabel" errors={errors.promptLabel} hint="Usually production.">
        {(p) => <input {...p} defaultValue={defaults.promptLabel} maxLength={50} className={`${inputClass} font-mono`} autoComplete="off" />}
      </Field>
      <Field label="Allowed tools" name="allowedTools" errors={errors.allowedTools} hint="One per line; * matches any characters (erp.*).">
        {(p) => <textarea {...p} rows={4} defaultValue={defaults.allowedTools} className={`${inputClass} font-mono`} spellCheck={false} />}
      </Field>
      <Field label="Authority limits (JSON)" name="authorityLimits" errors={errors.authorityLimits} hint='e.g. { "maxAmountUsd": 5000 }: above these the agent asks for clearance.'>
        {(p) => <textarea {...p} rows={4} defaultValue={defaults.authorityLimits} className={`${inputClass} font-mono`} spellCheck={false} />}
      </Field>
      <ReasonField errors={errors.reason} hint="Why this configuration: the approver and the audit log see it." />
      <SubmitRow label={isProtected ? "Propose configuration" : "Apply configuration"} pendingLabel="Saving…" pending={pending} state={state} className="md:col-span-2" />
      <OpenChangeLink state={state} />
    </form>
  );
}
