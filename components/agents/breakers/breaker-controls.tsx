"use client";
/**
 * One breaker's buttons: enable or disable, switch between observe and
 * enforce, replay the saved breaker over the last 30 days, and delete (behind
 * a confirmation). Each is a small form on its server action; the result
 * shows beside the buttons.
 */
import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmForm } from "@/components/ui/confirm-form";
import { FormMessage } from "@/components/ui/field";
import { deleteBreakerAction, replayBreakerAction, setBreakerAction } from "@/lib/agents/breakers/actions";
import type { ReplayResult } from "@/lib/agents/breakers/replay";
import { IDLE, type ActionState } from "@/lib/forms";
import type { BreakerFormValue } from "./breaker-form";
import { ReplayView } from "./replay-view";

function SettingButton({ agent, breaker, field, value, label }: { agent: string; breaker: BreakerFormValue; field: "enabled" | "mode"; value: string; label: string }) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(setBreakerAction, IDLE);
  return (
    <form action={dispatch} className="inline-flex flex-col gap-1" aria-label={`${label}: ${breaker.name}`}>
      <input type="hidden" name="agent" value={agent} />
      <input type="hidden" name="breakerId" value={breaker.id} />
      <input type="hidden" name={field} value={value} />
      <Button type="submit" variant="secondary" size="sm" disabled={pending}>
        {pending ? "Working…" : label}
      </Button>
      {state.status !== "idle" && <FormMessage state={state} />}
    </form>
  );
}

/** Replays the saved breaker (its stored settings as hidden fields). */
function ReplaySaved({ agent, breaker }: { agent: string; breaker: BreakerFormValue }) {
  const [state, dispatch, pending] = useActionState<ActionState<ReplayResult>, FormData>(replayBreakerAction, IDLE);
  return (
    <form action={dispatch} className="w-full space-y-2" aria-label={`Replay ${breaker.name}`}>
      <input type="hidden" name="agent" value={agent} />
      <input type="hidden" name="name" value={breaker.name} />
      <input type="hidden" name="condition" value={breaker.condition} />
      <input type="hidden" name="mode" value={breaker.mode} />
      <input type="hidden" name="coolDownMinutes" value={String(breaker.coolDownMinutes)} />
      {Object.entries(breaker.params).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={String(v)} />
      ))}
      <Button type="submit" variant="secondary" size="sm" disabled={pending}>
        {pending ? "Replaying…" : "Replay last 30 days"}
      </Button>
      {state.status === "success" && state.data ? <ReplayView result={state.data} /> : state.status !== "idle" && <FormMessage state={state} />}
    </form>
  );
}

export function BreakerControls({ agent, breaker }: { agent: string; breaker: BreakerFormValue }) {
  return (
    <div className="flex flex-wrap items-start gap-2">
      <SettingButton agent={agent} breaker={breaker} field="enabled" value={breaker.enabled ? "off" : "on"} label={breaker.enabled ? "Disable" : "Enable"} />
      <SettingButton
        agent={agent}
        breaker={breaker}
        field="mode"
        value={breaker.mode === "OBSERVE" ? "ENFORCE" : "OBSERVE"}
        label={breaker.mode === "OBSERVE" ? "Switch to enforce" : "Switch to observe"}
      />
      <ConfirmForm
        action={deleteBreakerAction}
        fields={{ agent, breakerId: breaker.id }}
        trigger="Delete"
        title={`Delete breaker ${breaker.name}?`}
        body="Its events go with it. The agent's status stays as it is: if this breaker tripped it, a person still resumes it."
        confirmLabel="Delete breaker"
        className="inline-flex items-center gap-2"
      />
      <ReplaySaved agent={agent} breaker={breaker} />
    </div>
  );
}
