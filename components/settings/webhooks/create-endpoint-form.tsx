"use client";
// The add-endpoint form of Settings › Webhooks, and the signing secret it shows once.

import { useActionState, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field, inputClass, SubmitRow } from "@/components/ui/field";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { IDLE, type ActionState } from "@/lib/forms";
import { createWebhookEndpointAction } from "@/lib/webhooks/actions";
import type { CreatedEndpoint } from "@/lib/webhooks/schemas";

export interface EventTypeOption {
  type: string;
  label: string;
}

function NewSecret({ name, secret }: CreatedEndpoint) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="mx-5 mb-4 rounded-md border border-amber-200 bg-amber-50 p-4 text-sm" data-testid="new-webhook-secret">
      <p className="font-medium text-amber-900">Copy the signing secret of “{name}” now: it will not be shown again.</p>
      <p className="mt-1 text-amber-900">The receiver checks each request&apos;s Flightdeck-Signature header with it.</p>
      <div className="mt-2 flex items-center gap-2">
        <code className="flex-1 break-all rounded bg-white px-2 py-1.5 font-mono text-xs text-slate-900 ring-1 ring-amber-200" data-testid="new-webhook-secret-value">
          {secret}
        </code>
        <Button variant="secondary" size="sm" onClick={() => void navigator.clipboard?.writeText(secret).then(() => setCopied(true))}>
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
    </div>
  );
}

export function CreateEndpointForm({ eventTypes }: { eventTypes: EventTypeOption[] }) {
  const [state, action, pending] = useActionState<ActionState<CreatedEndpoint>, FormData>(createWebhookEndpointAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  const typesId = useId();
  const typesDescribedBy = [`${typesId}-hint`, errors.eventTypes ? `${typesId}-error` : null].filter(Boolean).join(" ");
  return (
    <>
      {state.status === "success" && state.data && <NewSecret name={state.data.name} secret={state.data.secret} />}
      <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-4 border-t border-slate-100 px-5 py-4 md:grid-cols-3" aria-label="Add a webhook endpoint">
        <div className="space-y-3">
          <Field label="Endpoint name" name="name" errors={errors.name} hint="Where it sends, e.g. “#ops-alerts on Slack”.">
            {(p) => <input {...p} required maxLength={80} autoComplete="off" className={inputClass} />}
          </Field>
          <Field label="URL" name="url" errors={errors.url} hint="Events are POSTed here as JSON; a Slack incoming-webhook URL works as is.">
            {(p) => <input {...p} type="url" required maxLength={2000} autoComplete="off" className={inputClass} />}
          </Field>
        </div>
        <fieldset className="md:col-span-2" aria-describedby={typesDescribedBy}>
          <legend className="text-sm font-medium text-slate-700">Event types</legend>
          <p id={`${typesId}-hint`} className="text-xs text-slate-500">
            None chosen: every event type, including ones added later.
          </p>
          <div className="mt-2 grid gap-1.5 sm:grid-cols-2">
            {eventTypes.map((option) => (
              <label key={option.type} className="flex items-start gap-2 text-sm text-slate-700">
                <input type="checkbox" name="eventTypes" value={option.type} className="mt-0.5 h-4 w-4 rounded border-slate-300" />
                <span>
                  <code className="text-xs font-semibold">{option.type}</code> <span className="text-slate-500">— {option.label}</span>
                </span>
              </label>
            ))}
          </div>
          {errors.eventTypes && (
            <p id={`${typesId}-error`} className="mt-1 text-xs text-red-600">
              {errors.eventTypes.join(" ")}
            </p>
          )}
        </fieldset>
        <SubmitRow label="Add endpoint" pendingLabel="Adding…" pending={pending} state={state} className="md:col-span-3" />
      </form>
    </>
  );
}
