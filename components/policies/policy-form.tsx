"use client";
/**
 * A policy's form (new or existing): scope, tool pattern, the triggers, who
 * decides, SLA, deadline and what happens at it, the escalation chain and the
 * runbook. It says as you edit whether saving applies at once (tightening) or
 * waits for a second person (loosening, and why), and can try the policy
 * against the last 30 days of tool calls before it is saved.
 */
import Link from "next/link";
import { useActionState, useEffect, useRef, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormMessage, inputClass } from "@/components/ui/field";
import { Time } from "@/components/ui/time";
import { savePolicyAction, tryPolicyAction } from "@/lib/escalations/policies/actions";
import { loosenings } from "@/lib/escalations/policies/loosening";
import { DEFAULT_STATE, policyFormInput, policyFormSchema, TIMEOUT_ACTION_LABELS, TIMEOUT_ACTIONS, type PolicyState } from "@/lib/escalations/policies/schemas";
import type { TrialResult } from "@/lib/escalations/policies/trial";
import { IDLE, type ActionState } from "@/lib/forms";

export interface PolicyFormValue extends PolicyState {
  id: string;
  name: string;
}

type Verdict = { kind: "at_once" | "approval" | "invalid" | "unchanged"; reasons: string[] };

function verdictOf(form: HTMLFormElement, current: PolicyState | null): Verdict {
  const data = new FormData(form);
  if (!String(data.get("name") ?? "").trim()) data.set("name", "draft");
  const parsed = policyFormSchema.safeParse(policyFormInput(data));
  if (!parsed.success) return { kind: "invalid", reasons: [] };
  if (current && JSON.stringify({ ...current }) === JSON.stringify({ ...current, ...parsed.data.state })) return { kind: "unchanged", reasons: [] };
  const reasons = loosenings(current, parsed.data.state);
  return { kind: reasons.length ? "approval" : "at_once", reasons };
}

const VERDICT_TEXT: Record<Verdict["kind"], string> = {
  at_once: "Saving applies at once: it only asks for more clearance (or changes nothing that lets actions through).",
  approval: "Saving waits for a second person's approval, because it ",
  invalid: "",
  unchanged: "Nothing changed yet.",
};

export function PolicyForm({ policy, agents, teams }: { policy: PolicyFormValue | null; agents: string[]; teams: string[] }) {
  const [saved, save, saving] = useActionState<ActionState<{ changeId: string; applied: boolean; loosens: string[] }>, FormData>(savePolicyAction, IDLE);
  const [trial, tryIt, trying] = useActionState<ActionState<TrialResult>, FormData>(tryPolicyAction, IDLE);
  const [which, setWhich] = useState<"save" | "try">("save");
  const [, startTransition] = useTransition();
  const formRef = useRef<HTMLFormElement>(null);
  // A new policy's form starts empty again once it is saved; an existing one keeps what it now says.
  useEffect(() => {
    if (!policy && saved.status === "success") formRef.current?.reset();
  }, [policy, saved]);
  // Submitted by hand, not through React's form action, so fields are never reset: a refused entry stays to be corrected.
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const trying = submitter?.getAttribute("data-action") === "try";
    setWhich(trying ? "try" : "save");
    const formData = new FormData(event.currentTarget);
    startTransition(() => (trying ? tryIt : save)(formData));
  };
  const current: PolicyState | null = policy;
  const value = policy ?? { ...DEFAULT_STATE, id: "", name: "" };
  const [scope, setScope] = useState<"all" | "agent" | "team">(value.agent ? "agent" : value.team ? "team" : "all");
  const [verdict, setVerdict] = useState<Verdict>({ kind: policy ? "unchanged" : "at_once", reasons: [] });
  const last = which === "save" ? saved : trial;
  const errors = last.status === "invalid" ? last.errors : {};
  const n = (v: number | null) => (v === null ? "" : String(v));
  return (
    <form
      ref={formRef}
      className="space-y-4"
      aria-label={policy ? `Edit policy ${policy.name}` : "New policy"}
      onChange={(event) => setVerdict(verdictOf(event.currentTarget, current))}
      onSubmit={onSubmit}
    >
      <input type="hidden" name="policyId" value={value.id} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" name="name" errors={errors.name} hint={policy ? "A policy keeps its name." : "E.g. Payments over 10k."}>
          {(p) => <input {...p} defaultValue={value.name} readOnly={Boolean(policy)} required maxLength={100} className={inputClass} />}
        </Field>
        <Field label="Applies to" name="scope" errors={errors["state.agent"] ?? errors["state.team"]}>
          {(p) => (
            <select {...p} value={scope} onChange={(e) => setScope(e.target.value as typeof scope)} className={inputClass}>
              <option value="all">Every agent</option>
              <option value="agent">One agent</option>
              <option value="team">One team</option>
            </select>
          )}
        </Field>
        {scope === "agent" && (
          <Field label="Agent" name="agent" errors={errors["state.agent"]}>
            {(p) => (
              <select {...p} defaultValue={value.agent ?? ""} className={inputClass}>
                <option value="">Choose…</option>
                {agents.map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            )}
          </Field>
        )}
        {scope === "team" && (
          <Field label="Team" name="team" errors={errors["state.team"]}>
            {(p) => (
              <select {...p} defaultValue={value.team ?? ""} className={inputClass}>
                <option value="">Choose…</option>
                {teams.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label="Tool pattern" name="toolPattern" errors={errors["state.toolPattern"]} hint="A tool name, or a glob: erp.pay* (empty: every tool).">
          {(p) => <input {...p} defaultValue={value.toolPattern ?? ""} maxLength={200} className={`${inputClass} font-mono`} />}
        </Field>
      </div>
      <fieldset className="rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium text-slate-700">Needs clearance when any of these holds (none set: every call it applies to)</legend>
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Numeric argument" name="argument" errors={errors["state.argument"]} hint="E.g. amount, or payment.amount.">
            {(p) => <input {...p} defaultValue={value.argument ?? ""} maxLength={200} className={`${inputClass} font-mono`} />}
          </Field>
          <Field label="…is above" name="threshold" errors={errors["state.threshold"] ?? errors.threshold}>
            {(p) => <input {...p} inputMode="decimal" defaultValue={n(value.threshold)} className={inputClass} />}
          </Field>
          <Field label="Confidence below" name="minConfidence" errors={errors["state.minConfidence"] ?? errors.minConfidence} hint="0 to 1; a request without one counts as below.">
            {(p) => <input {...p} inputMode="decimal" defaultValue={n(value.minConfidence)} className={inputClass} />}
          </Field>
          <Field label="Agent autonomy at most" name="maxAutonomyLevel" errors={errors["state.maxAutonomyLevel"]}>
            {(p) => (
              <select {...p} defaultValue={n(value.maxAutonomyLevel)} className={inputClass}>
                <option value="">Any level</option>
                {[0, 1, 2, 3].map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <label className="flex items-center gap-2 self-end pb-2 text-sm text-slate-700">
            <input type="checkbox" name="onLoop" defaultChecked={value.onLoop} className="h-4 w-4 rounded border-slate-300" />
            The run is flagged looping
          </label>
          <label className="flex items-center gap-2 self-end pb-2 text-sm text-slate-700">
            <input type="checkbox" name="onBudgetExceeded" defaultChecked={value.onBudgetExceeded} className="h-4 w-4 rounded border-slate-300" />
            The agent is over a budget
          </label>
        </div>
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Approvals" name="requiredApprovals" errors={errors["state.requiredApprovals"]}>
          {(p) => (
            <select {...p} defaultValue={String(value.requiredApprovals)} className={inputClass}>
              <option value="1">1 person</option>
              <option value="2">2 different people (four eyes)</option>
            </select>
          )}
        </Field>
        <Field label="Decided by" name="deciderRole" errors={errors["state.deciderRole"]}>
          {(p) => (
            <select {...p} defaultValue={value.deciderRole} className={inputClass}>
              <option value="compliance">Compliance (or an admin)</option>
              <option value="admin">Admins only</option>
            </select>
          )}
        </Field>
        <Field label="SLA (minutes)" name="slaMinutes" errors={errors["state.slaMinutes"]}>
          {(p) => <input {...p} inputMode="numeric" defaultValue={value.slaMinutes} className={inputClass} />}
        </Field>
        <Field label="Deadline (minutes)" name="deadlineMinutes" errors={errors["state.deadlineMinutes"]} hint="After the request; at or after the SLA.">
          {(p) => <input {...p} inputMode="numeric" defaultValue={value.deadlineMinutes} className={inputClass} />}
        </Field>
        <Field label="Warn before the deadline (minutes)" name="warnBeforeMinutes" errors={errors["state.warnBeforeMinutes"]}>
          {(p) => <input {...p} inputMode="numeric" defaultValue={value.warnBeforeMinutes} className={inputClass} />}
        </Field>
        <Field label="At the deadline" name="timeoutAction" errors={errors["state.timeoutAction"]}>
          {(p) => (
            <select {...p} defaultValue={value.timeoutAction} className={inputClass}>
              {TIMEOUT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {TIMEOUT_ACTION_LABELS[a]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field
        label="Escalation chain (JSON)"
        name="escalationChain"
        errors={errors["state.escalationChain"] ?? errors.escalationChain ?? errors["state.escalationChain.0"]}
        hint='Unclaimed this long, notify: [{ "afterMinutes": 30, "notifyRole": "admin" }, { "afterMinutes": 60, "notifyUsers": ["head@example.com"] }]'
      >
        {(p) => <textarea {...p} rows={2} defaultValue={value.escalationChain.length ? JSON.stringify(value.escalationChain) : ""} className={`${inputClass} font-mono text-xs`} />}
      </Field>
      <Field label="Runbook" name="runbook" errors={errors["state.runbook"]} hint="What deciders should check; shown on each escalation.">
        {(p) => <textarea {...p} rows={2} defaultValue={value.runbook ?? ""} maxLength={4000} className={inputClass} />}
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" name="enabled" defaultChecked={value.enabled} className="h-4 w-4 rounded border-slate-300" />
          Enabled
        </label>
        <Field label="Reason" name="reason" errors={errors.reason} hint="Recorded with the change.">
          {(p) => <input {...p} maxLength={1000} className={inputClass} />}
        </Field>
      </div>
      <p className={verdict.kind === "approval" ? "rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200" : "text-sm text-slate-600"} data-testid="policy-verdict">
        {VERDICT_TEXT[verdict.kind]}
        {verdict.kind === "approval" && `${verdict.reasons.join(", ")}.`}
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" formAction={save} data-action="save" disabled={saving || trying}>
          {saving ? "Saving…" : policy ? "Save policy" : "Add policy"}
        </Button>
        <Button type="submit" variant="secondary" formAction={tryIt} data-action="try" disabled={saving || trying}>
          {trying ? "Trying…" : "Try against the last 30 days"}
        </Button>
      </div>
      <FormMessage state={last} />
      {which === "save" && saved.status === "success" && saved.data && !saved.data.applied && (
        <Link href={`/changes/${saved.data.changeId}`} className="text-sm text-brand-700 hover:underline">
          Open the change
        </Link>
      )}
      {which === "try" && trial.status === "success" && trial.data && <TrialView result={trial.data} />}
    </form>
  );
}

function TrialView({ result }: { result: TrialResult }) {
  return (
    <div className="space-y-2 rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200" data-testid="policy-trial">
      <p className="text-slate-700">
        Read {result.scanned.toLocaleString("en-US")} tool calls{result.truncated ? ` (the newest; the window had more — covered from ${result.coveredFrom?.slice(0, 10)})` : ""}; {result.inScope.toLocaleString("en-US")} in the policy’s scope.
        Autonomy and budgets are taken as they are now.
      </p>
      {result.byAgent.length > 0 && (
        <p className="text-slate-700">
          By agent: {result.byAgent.map((a) => `${a.agent} (${a.calls})`).join(", ")}
        </p>
      )}
      {result.examples.length > 0 && (
        <ul className="space-y-1">
          {result.examples.map((e) => (
            <li key={e.stepId} className="text-xs">
              <Link href={`/runs/${e.runId}?step=${e.stepId}`} className="font-medium text-brand-700 hover:underline">
                {e.tool}
              </Link>{" "}
              by {e.agent} · <Time value={e.at} /> — {e.reasons.join("; ")} <code className="text-slate-500">{JSON.stringify(e.arguments).slice(0, 120)}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
