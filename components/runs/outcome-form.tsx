"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, inputClass } from "@/components/ui/field";
import { OUTCOMES } from "@/lib/enums";
import { recordOutcomeAction } from "@/lib/evaluations/actions";
import { IDLE, type ActionState } from "@/lib/forms";

export function OutcomeForm({ runId, outcome, impact, sideEffects }: { runId: string; outcome: string; impact: string | null; sideEffects: string[] }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(recordOutcomeAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form action={action} className="space-y-3 border-t border-slate-100 px-5 py-4" aria-label="Record the outcome">
      <input type="hidden" name="runId" value={runId} />
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Outcome</legend>
        <div className="mt-1 flex gap-4">
          {OUTCOMES.map((o) => (
            <label key={o} className="flex items-center gap-1.5 text-sm">
              <input type="radio" name="outcome" value={o} defaultChecked={outcome === o} className="h-4 w-4" />
              {o === "SUCCESS" ? "Success" : o === "FAILURE" ? "Failure" : "Unknown"}
            </label>
          ))}
        </div>
        {errors.outcome && <p className="text-xs text-red-600">{errors.outcome.join(" ")}</p>}
      </fieldset>
      <Field label="Business impact" name="impact" errors={errors.impact}>
        {(p) => <textarea {...p} rows={2} maxLength={2000} defaultValue={impact ?? ""} className={inputClass} />}
      </Field>
      <Field label="Side effects" name="sideEffects" errors={errors.sideEffects} hint="One per line, e.g. “refund of $120 issued”.">
        {(p) => <textarea {...p} rows={2} defaultValue={sideEffects.join("\n")} className={inputClass} />}
      </Field>
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : "Record outcome"}
      </Button>
      <FormMessage state={state} />
    </form>
  );
}
