"use client";
/**
 * The kill switch: a button that opens a dialog asking why (and, to resume a
 * tripped agent, to acknowledge why it tripped), then pauses or resumes the
 * agent or every agent of a team. Used on the agent page, the run timeline
 * and the Overview.
 */

import { useActionState, useId, useRef } from "react";
import { Button } from "@/components/ui/button";
import { announce } from "@/components/ui/action-notice";
import { FormMessage, inputClass } from "@/components/ui/field";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { setStatusAction } from "@/lib/agents/status-actions";
import { REASON_MAX } from "@/lib/agents/status-limits";
import { IDLE, type ActionState } from "@/lib/forms";

export interface KillSwitchProps {
  target: "agent" | "team";
  name: string;
  /** For an agent: its current status; a team is paused or resumed as a whole. */
  current?: "ACTIVE" | "PAUSED" | "TRIPPED";
  /** What the button does. */
  to: "ACTIVE" | "PAUSED";
  /** Why it tripped, shown to acknowledge before resuming. */
  tripReason?: string | null;
  size?: "sm" | "md";
}

export function KillSwitch({ target, name, current, to, tripReason, size = "sm" }: KillSwitchProps) {
  // The message is also announced page-wide: this form may be gone once the page re-renders (a resumed agent leaves the stopped list).
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(async (prev, formData) => {
    const result = await setStatusAction(prev, formData);
    if (result.status === "success") announce(result.message);
    return result;
  }, IDLE);
  const { ref: formRef, onSubmit } = useKeepInputOnError(dispatch, state);
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const pausing = to === "PAUSED";
  const what = target === "team" ? `every agent of team ${name}` : name;
  const label = `${pausing ? "Pause" : "Resume"} ${target === "team" ? `team ${name}` : "agent"}`;
  const needsAck = !pausing && target === "agent" && current === "TRIPPED";
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form ref={formRef} action={dispatch} onSubmit={(e) => { onSubmit(e); dialog.current?.close(); }} className="inline-flex flex-col items-end gap-1" aria-label={label}>
      <input type="hidden" name="target" value={target} />
      <input type="hidden" name="name" value={name} />
      <input type="hidden" name="status" value={to} />
      <Button type="button" variant={pausing ? "danger" : "secondary"} size={size} disabled={pending} onClick={() => dialog.current?.showModal()}>
        {pending ? "Working…" : label}
      </Button>
      <dialog ref={dialog} aria-labelledby={`${id}-title`} className="m-auto w-full max-w-md rounded-lg p-0 text-left shadow-xl backdrop:bg-slate-900/40">
        <div className="space-y-3 p-5">
          <h2 id={`${id}-title`} className="text-base font-semibold text-slate-900">
            {pausing ? `Pause ${what}?` : `Resume ${what}?`}
          </h2>
          <p className="text-sm text-slate-600">
            {pausing
              ? "Every clearance request, budget check, reservation and prompt fetch for it is refused (HTTP 423) until someone resumes it. Telemetry is still received."
              : "It may ask for clearance, budgets and prompts again at once."}
            {target === "team" && !pausing && " Tripped agents stay tripped: resume each after reading why it tripped."}
          </p>
          {needsAck && (
            <div className="rounded-md bg-red-50 p-3 text-sm text-red-900">
              <p className="font-medium">It tripped because:</p>
              <p className="mt-1">{tripReason ?? "no reason was recorded"}</p>
              <label className="mt-2 flex items-start gap-2">
                <input type="checkbox" name="acknowledgeTrip" value="on" required className="mt-0.5 h-4 w-4 rounded border-slate-300" />
                <span>I have read why it tripped and dealt with it.</span>
              </label>
            </div>
          )}
          <div className="space-y-1">
            <label htmlFor={`${id}-reason`} className="block text-sm font-medium text-slate-700">
              Reason
            </label>
            <textarea
              id={`${id}-reason`}
              name="reason"
              required
              maxLength={REASON_MAX}
              rows={3}
              className={inputClass}
              aria-invalid={Boolean(errors.reason?.length)}
              aria-describedby={errors.reason?.length ? `${id}-reason-error` : undefined}
              placeholder={pausing ? "e.g. looping on the ERP lookup, see run …" : "e.g. ERP fixed, loop threshold raised"}
            />
            {errors.reason?.length ? (
              <p id={`${id}-reason-error`} className="text-xs text-red-600">
                {errors.reason.join(" ")}
              </p>
            ) : null}
          </div>
        </div>
        <div className="flex justify-end gap-2 border-t border-slate-100 bg-slate-50 px-5 py-3">
          <Button type="button" variant="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </Button>
          <Button type="submit" variant={pausing ? "danger" : "primary"}>
            {pausing ? "Pause" : "Resume"}
          </Button>
        </div>
      </dialog>
      {state.status !== "success" && <FormMessage state={state} />}
    </form>
  );
}
