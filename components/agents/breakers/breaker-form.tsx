"use client";
/**
 * A breaker's form, new or existing: name, condition and its parameters,
 * mode, cool-down, half-open test, enabled. "Replay last 30 days" tries what
 * the form holds (saved or not) against the agent's stored telemetry without
 * saving it. Submitted by hand so a refused entry stays in the fields.
 */
import { useActionState, useEffect, useRef, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, inputClass } from "@/components/ui/field";
import { replayBreakerAction, saveBreakerAction } from "@/lib/agents/breakers/actions";
import type { ReplayResult } from "@/lib/agents/breakers/replay";
import {
  BREAKER_CONDITIONS,
  BREAKER_NAME_MAX,
  CONDITION_LABELS,
  DEFAULT_COOL_DOWN_MINUTES,
  DEFAULT_PARAMS,
  MAX_COOL_DOWN_MINUTES,
  MODE_LABELS,
  PARAM_FIELDS,
  type BreakerConditionName,
  type BreakerModeName,
} from "@/lib/agents/breakers/schemas";
import { IDLE, type ActionState } from "@/lib/forms";
import { PARAM_LABELS } from "./labels";
import { ReplayView } from "./replay-view";

export interface BreakerFormValue {
  id: string;
  name: string;
  condition: BreakerConditionName;
  params: Record<string, unknown>;
  mode: BreakerModeName;
  enabled: boolean;
  coolDownMinutes: number;
  halfOpen: boolean;
}

export function BreakerForm({ agent, breaker }: { agent: string; breaker: BreakerFormValue | null }) {
  const [saved, save, saving] = useActionState<ActionState<{ breakerId: string }>, FormData>(saveBreakerAction, IDLE);
  const [replay, replayIt, replaying] = useActionState<ActionState<ReplayResult>, FormData>(replayBreakerAction, IDLE);
  const [which, setWhich] = useState<"save" | "replay">("save");
  const [, startTransition] = useTransition();
  const formRef = useRef<HTMLFormElement>(null);
  const [condition, setCondition] = useState<BreakerConditionName>(breaker?.condition ?? "TOOL_ERROR_RATE");
  useEffect(() => {
    if (!breaker && saved.status === "success") formRef.current?.reset();
  }, [breaker, saved]);
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const replaying = submitter?.getAttribute("data-action") === "replay";
    setWhich(replaying ? "replay" : "save");
    const formData = new FormData(event.currentTarget);
    startTransition(() => (replaying ? replayIt : save)(formData));
  };
  const last = which === "save" ? saved : replay;
  const errors = last.status === "invalid" ? last.errors : {};
  const params: Record<string, unknown> = breaker && breaker.condition === condition ? breaker.params : DEFAULT_PARAMS[condition];
  const label = breaker ? `Edit breaker ${breaker.name}` : "New breaker";
  return (
    <form ref={formRef} className="space-y-4" aria-label={label} onSubmit={onSubmit} noValidate>
      <input type="hidden" name="agent" value={agent} />
      <input type="hidden" name="breakerId" value={breaker?.id ?? ""} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" name="name" errors={errors.name} hint="E.g. tool errors, runaway spend.">
          {(p) => <input {...p} defaultValue={breaker?.name ?? ""} required maxLength={BREAKER_NAME_MAX} className={inputClass} />}
        </Field>
        <Field label="Condition" name="condition" errors={errors.condition}>
          {(p) => (
            <select {...p} value={condition} onChange={(e) => setCondition(e.target.value as BreakerConditionName)} className={inputClass}>
              {BREAKER_CONDITIONS.map((c) => (
                <option key={c} value={c}>
                  {CONDITION_LABELS[c]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset className="rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium text-slate-700">{CONDITION_LABELS[condition]}: trips when</legend>
        <div className="grid gap-4 sm:grid-cols-3">
          {PARAM_FIELDS[condition].map((f) => (
            <Field key={`${condition}-${f}`} label={PARAM_LABELS[f]?.label ?? f} name={f} errors={errors[`params.${f}`]} hint={PARAM_LABELS[f]?.hint}>
              {(p) => <input {...p} inputMode={PARAM_LABELS[f]?.decimal ? "decimal" : "numeric"} defaultValue={String(params[f] ?? "")} required className={inputClass} />}
            </Field>
          ))}
        </div>
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Mode" name="mode" errors={errors.mode} hint={`${MODE_LABELS.OBSERVE}. ${MODE_LABELS.ENFORCE}.`}>
          {(p) => (
            <select {...p} defaultValue={breaker?.mode ?? "OBSERVE"} className={inputClass}>
              <option value="OBSERVE">Observe</option>
              <option value="ENFORCE">Enforce</option>
            </select>
          )}
        </Field>
        <Field label="Cool-down (minutes)" name="coolDownMinutes" errors={errors.coolDownMinutes} hint={`No second trip before it ends; 0 to ${MAX_COOL_DOWN_MINUTES.toLocaleString("en-US")}.`}>
          {(p) => <input {...p} inputMode="numeric" defaultValue={String(breaker?.coolDownMinutes ?? DEFAULT_COOL_DOWN_MINUTES)} required className={inputClass} />}
        </Field>
      </div>
      <div className="flex flex-wrap gap-x-6 gap-y-2 text-sm text-slate-700">
        <label className="flex items-center gap-2">
          <input type="checkbox" name="halfOpen" defaultChecked={breaker?.halfOpen ?? false} className="h-4 w-4 rounded border-slate-300" />
          Half-open test: after the cool-down, let one run through (success closes it, failure trips again)
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" name="enabled" defaultChecked={breaker?.enabled ?? true} className="h-4 w-4 rounded border-slate-300" />
          Enabled
        </label>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" formAction={save} data-action="save" disabled={saving || replaying}>
          {saving ? "Saving…" : breaker ? "Save breaker" : "Add breaker"}
        </Button>
        <Button type="submit" variant="secondary" formAction={replayIt} data-action="replay" disabled={saving || replaying}>
          {replaying ? "Replaying…" : "Replay last 30 days"}
        </Button>
      </div>
      {which === "replay" && replay.status === "success" && replay.data ? <ReplayView result={replay.data} /> : <FormMessage state={last} />}
    </form>
  );
}
