"use client";
/**
 * Setting a budget: a new one (what it applies to, limit, alerts, hard cap),
 * or changes to an existing one. Lowering or capping applies at once; raising
 * the limit or removing the cap is proposed and waits for a second person.
 */
import { useActionState, useState } from "react";
import { OpenChangeLink, ReasonField } from "@/components/changes/proposal-parts";
import { Field, inputClass, SubmitRow } from "@/components/ui/field";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { IDLE, type ActionState } from "@/lib/forms";
import { removeBudgetAction, setBudgetAction } from "@/lib/spend/budgets/actions";

type State = ActionState<{ changeId: string; applied: boolean }>;

export interface BudgetFormDefaults {
  budgetId: string;
  scope: "organisation" | "team" | "agent";
  team: string | null;
  agent: string | null;
  monthlyLimitUsd: number;
  thresholds: number[];
  hardCap: boolean;
}

const SCOPE_LABELS = { organisation: "The whole organisation", team: "A team", agent: "An agent" } as const;

export function NewBudgetForm({ teams, agents, hasOrganisationBudget }: { teams: string[]; agents: string[]; hasOrganisationBudget: boolean }) {
  const [state, action, pending] = useActionState<State, FormData>(setBudgetAction, IDLE);
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  const [scope, setScope] = useState<"organisation" | "team" | "agent">(hasOrganisationBudget ? "team" : "organisation");
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-3 px-5 py-4 md:grid-cols-2" aria-label="New budget">
      <Field label="Applies to" name="scope" errors={errors.scope}>
        {(p) => (
          <select {...p} value={scope} onChange={(e) => setScope(e.target.value as typeof scope)} className={inputClass}>
            {(Object.keys(SCOPE_LABELS) as (keyof typeof SCOPE_LABELS)[]).map((s) => (
              <option key={s} value={s} disabled={s === "organisation" && hasOrganisationBudget}>
                {SCOPE_LABELS[s]}
                {s === "organisation" && hasOrganisationBudget ? " (has a budget)" : ""}
              </option>
            ))}
          </select>
        )}
      </Field>
      {scope === "team" && (
        <Field label="Team" name="team" errors={errors.team}>
          {(p) => (
            <select {...p} required defaultValue="" className={inputClass}>
              <option value="" disabled>
                Choose a team
              </option>
              {teams.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
      )}
      {scope === "agent" && (
        <Field label="Agent" name="agent" errors={errors.agent}>
          {(p) => (
            <select {...p} required defaultValue="" className={inputClass}>
              <option value="" disabled>
                Choose an agent
              </option>
              {agents.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          )}
        </Field>
      )}
      {scope === "organisation" && <div aria-hidden />}
      <LimitFields errors={errors} />
      <ReasonField errors={errors.reason} hint="Why this budget: the audit log and the change history keep it." />
      <SubmitRow label="Set budget" pendingLabel="Saving…" pending={pending} state={state} className="md:col-span-2" />
      <OpenChangeLink state={state} />
    </form>
  );
}

function LimitFields({ errors, defaults }: { errors: Record<string, string[] | undefined>; defaults?: BudgetFormDefaults }) {
  return (
    <>
      <Field label="Monthly limit (USD)" name="monthlyLimitUsd" errors={errors.monthlyLimitUsd} hint="Per calendar month, UTC.">
        {(p) => <input {...p} required inputMode="decimal" defaultValue={defaults ? String(defaults.monthlyLimitUsd) : ""} placeholder="500" className={inputClass} autoComplete="off" />}
      </Field>
      <Field label="Alert thresholds (% of the limit)" name="thresholds" errors={errors.thresholds} hint="Comma-separated; each alerts once a month. Empty: no alerts.">
        {(p) => <input {...p} defaultValue={defaults ? defaults.thresholds.join(", ") : "50, 80, 100"} className={inputClass} autoComplete="off" />}
      </Field>
      <div className="flex items-start gap-2 md:col-span-2">
        <input id={defaults ? `cap-${defaults.budgetId}` : "cap-new"} type="checkbox" name="hardCap" defaultChecked={defaults?.hardCap ?? false} className="mt-1 size-4 rounded border-slate-300" />
        <label htmlFor={defaults ? `cap-${defaults.budgetId}` : "cap-new"} className="text-sm text-slate-700">
          <span className="font-medium">Hard cap</span>: refuse reservations that would go over the limit (agents ask before they spend). Telemetry over the limit is still recorded.
        </label>
      </div>
    </>
  );
}

export function EditBudgetForm({ defaults }: { defaults: BudgetFormDefaults }) {
  const [state, action, pending] = useActionState<State, FormData>(setBudgetAction, IDLE);
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-3 md:grid-cols-2" aria-label="Change budget">
      <input type="hidden" name="budgetId" value={defaults.budgetId} />
      <input type="hidden" name="scope" value={defaults.scope} />
      {defaults.team && <input type="hidden" name="team" value={defaults.team} />}
      {defaults.agent && <input type="hidden" name="agent" value={defaults.agent} />}
      <LimitFields errors={errors} defaults={defaults} />
      <ReasonField errors={errors.reason} hint="Lowering the limit or adding the cap applies at once; raising it or removing the cap waits for another person's approval." />
      <SubmitRow label="Save budget" pendingLabel="Saving…" pending={pending} state={state} className="md:col-span-2" />
      <OpenChangeLink state={state} />
    </form>
  );
}

export function RemoveBudgetForm({ target }: { target: string }) {
  const [state, action, pending] = useActionState<State, FormData>(removeBudgetAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  return (
    <form action={action} className="grid gap-3 md:grid-cols-2" aria-label="Remove budget">
      <input type="hidden" name="target" value={target} />
      <ReasonField errors={errors.reason} hint="Removing a budget lifts its limit, so it waits for another person's approval." />
      <SubmitRow label="Propose removal" pendingLabel="Proposing…" pending={pending} state={state} className="md:col-span-2" />
      <OpenChangeLink state={state} />
    </form>
  );
}
