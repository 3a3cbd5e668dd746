"use client";
// The client parts of Settings › API keys: the create form (its secret shown once) and the revoke confirmation.

import { useActionState, useState } from "react";
import { Button } from "@/components/ui/button";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { ConfirmForm } from "@/components/ui/confirm-form";
import { Field, inputClass, SubmitRow } from "@/components/ui/field";
import { createApiKeyAction, revokeApiKeyAction } from "@/lib/api-keys/actions";
import { IDLE, type ActionState } from "@/lib/forms";
import { API_KEY_SCOPE_LABELS, API_KEY_SCOPES } from "@/lib/rbac";

function NewKeySecret({ secret, name }: { secret: string; name: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="mx-5 mb-4 rounded-md border border-amber-200 bg-amber-50 p-4 text-sm" data-testid="new-api-key">
      <p className="font-medium text-amber-900">Copy the key “{name}” now: it will not be shown again.</p>
      <div className="mt-2 flex items-center gap-2">
        <code className="flex-1 break-all rounded bg-white px-2 py-1.5 font-mono text-xs text-slate-900 ring-1 ring-amber-200" data-testid="new-api-key-value">
          {secret}
        </code>
        <Button
          variant="secondary"
          size="sm"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(() => setCopied(true));
          }}
        >
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
    </div>
  );
}

export function CreateKeyForm() {
  const [state, action, pending] = useActionState<ActionState<{ secret: string; name: string }>, FormData>(createApiKeyAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  return (
    <>
      {state.status === "success" && state.data && <NewKeySecret secret={state.data.secret} name={state.data.name} />}
      <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-4 border-t border-slate-100 px-5 py-4 md:grid-cols-3" aria-label="Create an API key">
        <div className="space-y-3">
          <Field label="Key name" name="keyName" errors={errors.name} hint="Who or what uses it, e.g. “invoice-agent prod”.">
            {(p) => <input {...p} required maxLength={80} className={inputClass} />}
          </Field>
          <Field label="Expires after (days)" name="expiresInDays" errors={errors.expiresInDays} hint="0 = never.">
            {(p) => <input {...p} type="number" min={0} max={3650} defaultValue={0} className={inputClass} />}
          </Field>
          <Field label="Given to agent (optional)" name="keyAgent" errors={errors.agent} hint="The key then acts for this agent only and can never resume it once paused or tripped.">
            {(p) => <input {...p} maxLength={200} className={inputClass} />}
          </Field>
        </div>
        <fieldset className="md:col-span-2" aria-describedby={errors.scopes ? "scopes-error" : undefined}>
          <legend className="text-sm font-medium text-slate-700">Scopes</legend>
          <div className="mt-2 grid gap-1.5 sm:grid-cols-2">
            {API_KEY_SCOPES.map((scope) => (
              <label key={scope} className="flex items-start gap-2 text-sm text-slate-700">
                <input type="checkbox" name="scopes" value={scope} defaultChecked={scope === "ingest"} className="mt-0.5 h-4 w-4 rounded border-slate-300" />
                <span>
                  <code className="text-xs font-semibold">{scope}</code> <span className="text-slate-500">— {API_KEY_SCOPE_LABELS[scope]}</span>
                </span>
              </label>
            ))}
          </div>
          {errors.scopes && (
            <p id="scopes-error" className="mt-1 text-xs text-red-600">
              {errors.scopes.join(" ")}
            </p>
          )}
        </fieldset>
        <SubmitRow label="Create key" pendingLabel="Creating…" pending={pending} state={state} className="md:col-span-3" />
      </form>
    </>
  );
}

export function RevokeForm({ k }: { k: { id: string; name: string } }) {
  return (
    <ConfirmForm
      action={revokeApiKeyAction}
      fields={{ keyId: k.id }}
      trigger="Revoke"
      title={`Revoke “${k.name}”?`}
      body="Anything using this key gets 401 from its next request. This cannot be undone; create a new key instead."
      confirmLabel="Revoke key"
    />
  );
}
