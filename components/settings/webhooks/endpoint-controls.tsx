"use client";
// One endpoint's buttons: send a test event, enable or disable, delete (behind a confirmation).

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmForm } from "@/components/ui/confirm-form";
import { FormMessage } from "@/components/ui/field";
import { IDLE, type ActionState } from "@/lib/forms";
import { deleteWebhookEndpointAction, sendWebhookTestEventAction, setWebhookEndpointEnabledAction } from "@/lib/webhooks/actions";

interface Props {
  id: string;
  name: string;
  enabled: boolean;
  /** The endpoint's heading, so each button is announced with the endpoint it acts on. */
  headingId: string;
}

function TestEventForm({ id, enabled, headingId }: Omit<Props, "name">) {
  const [state, action, pending] = useActionState<ActionState, FormData>(sendWebhookTestEventAction, IDLE);
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="endpointId" value={id} />
      <Button type="submit" variant="secondary" size="sm" disabled={pending || !enabled} aria-describedby={headingId}>
        {pending ? "Queueing…" : "Send test event"}
      </Button>
      <FormMessage state={state} />
    </form>
  );
}

function EnabledForm({ id, enabled, headingId }: Omit<Props, "name">) {
  const [state, action, pending] = useActionState<ActionState, FormData>(setWebhookEndpointEnabledAction, IDLE);
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="endpointId" value={id} />
      <input type="hidden" name="enabled" value={enabled ? "false" : "true"} />
      <Button type="submit" variant="secondary" size="sm" disabled={pending} aria-describedby={headingId}>
        {pending ? "Saving…" : enabled ? "Disable" : "Enable"}
      </Button>
      {state.status === "error" && <FormMessage state={state} />}
    </form>
  );
}

export function EndpointControls(props: Props) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      <TestEventForm id={props.id} enabled={props.enabled} headingId={props.headingId} />
      <EnabledForm id={props.id} enabled={props.enabled} headingId={props.headingId} />
      <ConfirmForm
        action={deleteWebhookEndpointAction}
        fields={{ endpointId: props.id }}
        trigger="Delete"
        title={`Delete “${props.name}”?`}
        body="It stops receiving events at once, and its delivery log is deleted with it. This cannot be undone."
        confirmLabel="Delete endpoint"
        className="flex items-center gap-2"
      />
    </div>
  );
}
