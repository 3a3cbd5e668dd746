"use client";
/** The "New version" form: publishes a version of a prompt (a new prompt when the name is typed in). */

import Link from "next/link";
import { useActionState } from "react";
import { Field, inputClass, SubmitRow } from "@/components/ui/field";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { IDLE, type ActionState } from "@/lib/forms";
import { createPromptVersionAction } from "@/lib/prompts/actions";

export interface NewVersionDefaults {
  format: "text" | "chat";
  template: string;
  config: string;
}

type State = ActionState<{ name: string; version: number }>;

export function NewVersionForm({ name, defaults }: { name?: string; defaults?: NewVersionDefaults }) {
  const [state, action, pending] = useActionState<State, FormData>(createPromptVersionAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  return (
    <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-3 px-5 py-4 md:grid-cols-2" aria-label="New prompt version">
      {name ? (
        <input type="hidden" name="name" defaultValue={name} />
      ) : (
        <Field label="Prompt name" name="name" errors={errors.name} hint="Lower-case letters, digits and . _ -, e.g. support-triage. A new name creates the prompt.">
          {(p) => <input {...p} required maxLength={100} className={`${inputClass} font-mono`} placeholder="support-triage" autoComplete="off" />}
        </Field>
      )}
      <Field label="Format" name="format" errors={errors.format} hint="Chat: a JSON list of { role, content } messages.">
        {(p) => (
          <select {...p} defaultValue={defaults?.format ?? "text"} className={inputClass}>
            <option value="text">Text</option>
            <option value="chat">Chat (JSON list)</option>
          </select>
        )}
      </Field>
      <Field label="Template" name="template" errors={errors.template} hint="Use {{variable}} for placeholders." className="md:col-span-2">
        {(p) => <textarea {...p} required rows={8} defaultValue={defaults?.template} className={`${inputClass} font-mono`} spellCheck={false} />}
      </Field>
      <Field label="Config (JSON)" name="config" errors={errors.config} hint='e.g. { "model": "gpt-4o", "temperature": 0.2 }. Empty = {}.' className="md:col-span-2">
        {(p) => <textarea {...p} rows={3} defaultValue={defaults?.config} className={`${inputClass} font-mono`} spellCheck={false} />}
      </Field>
      <Field label="Message" name="message" errors={errors.message} hint="Why this version exists (at most 500 characters)." className="md:col-span-2">
        {(p) => <input {...p} required maxLength={500} className={inputClass} autoComplete="off" />}
      </Field>
      <SubmitRow label="Publish version" pendingLabel="Publishing…" pending={pending} state={state} className="md:col-span-2" />
      {state.status === "success" && state.data && (
        <p className="text-sm md:col-span-2">
          <Link href={`/prompts/${state.data.name}?version=${state.data.version}`} className="font-medium text-brand-700 hover:underline">
            Open {state.data.name} v{state.data.version}
          </Link>
        </p>
      )}
    </form>
  );
}
