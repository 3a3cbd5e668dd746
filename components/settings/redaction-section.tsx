"use client";

import { useActionState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmForm } from "@/components/ui/confirm-form";
import { Field, FormMessage, inputClass, SubmitRow } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { IDLE, type ActionState } from "@/lib/forms";
import {
  createCustomRuleAction,
  deleteCustomRuleAction,
  setBuiltinDetectorsAction,
  setRedactionEnabledAction,
  toggleCustomRuleAction,
} from "@/lib/redaction/actions";

interface BuiltinItem {
  kind: string;
  label: string;
  example: string;
  enabled: boolean;
}

interface CustomItem {
  id: string;
  name: string;
  pattern: string;
  enabled: boolean;
  marker: string;
}

function EnabledSwitch({ enabled }: { enabled: boolean }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(setRedactionEnabledAction, IDLE);
  return (
    <form action={action} className="flex flex-wrap items-center gap-3 px-5 py-4">
      <input type="hidden" name="enabled" value={enabled ? "false" : "true"} />
      <span className="text-sm text-slate-700">
        Redaction is{" "}
        <Badge tone={enabled ? "green" : "gray"} data-testid="redaction-status">
          {enabled ? "on" : "off"}
        </Badge>
      </span>
      <Button type="submit" variant={enabled ? "secondary" : "primary"} size="sm" disabled={pending}>
        {pending ? "Saving…" : enabled ? "Turn redaction off" : "Turn redaction on"}
      </Button>
      <FormMessage state={state} />
    </form>
  );
}

function BuiltinDetectorsForm({ builtins }: { builtins: BuiltinItem[] }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(setBuiltinDetectorsAction, IDLE);
  return (
    <form action={action} className="border-t border-slate-100 px-5 py-4" aria-label="Built-in detectors">
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">Built-in detectors</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {builtins.map((b) => (
            <label key={b.kind} className="flex items-start gap-2 text-sm text-slate-700">
              <input type="checkbox" name="builtin" value={b.kind} defaultChecked={b.enabled} className="mt-0.5 h-4 w-4 rounded border-slate-300" />
              <span>
                {b.label} <code className="text-xs text-slate-500">[REDACTED:{b.kind}]</code>
                <span className="block text-xs text-slate-500">e.g. {b.example}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="mt-3 flex items-center gap-3">
        <Button type="submit" variant="secondary" size="sm" disabled={pending}>
          {pending ? "Saving…" : "Save detectors"}
        </Button>
        <FormMessage state={state} />
      </div>
    </form>
  );
}

function CustomRuleRow({ rule }: { rule: CustomItem }) {
  const [toggleState, toggle, toggling] = useActionState<ActionState, FormData>(toggleCustomRuleAction, IDLE);
  return (
    <tr data-testid={`redaction-rule-${rule.name}`}>
      <Td className="font-medium text-slate-900">{rule.name}</Td>
      <Td>
        <code className="break-all text-xs">{rule.pattern}</code>
      </Td>
      <Td>
        <code className="text-xs">{rule.marker}</code>
      </Td>
      <Td>
        <form action={toggle} className="flex items-center gap-2">
          <input type="hidden" name="ruleId" value={rule.id} />
          <input type="hidden" name="enabled" value={rule.enabled ? "false" : "true"} />
          <Badge tone={rule.enabled ? "green" : "gray"}>{rule.enabled ? "on" : "off"}</Badge>
          <Button type="submit" variant="ghost" size="sm" disabled={toggling}>
            {rule.enabled ? "Turn off" : "Turn on"}
          </Button>
          {toggleState.status === "error" && <FormMessage state={toggleState} />}
        </form>
      </Td>
      <Td className="text-right">
        <ConfirmForm
          action={deleteCustomRuleAction}
          fields={{ ruleId: rule.id }}
          trigger="Delete"
          title={`Delete the rule “${rule.name}”?`}
          body="Telemetry received from now on is no longer checked for this pattern. What was already stored stays as it is."
          confirmLabel="Delete rule"
        />
      </Td>
    </tr>
  );
}

function AddCustomRuleForm() {
  const [state, action, pending] = useActionState<ActionState, FormData>(createCustomRuleAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  return (
    <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-3 border-t border-slate-100 px-5 py-4 md:grid-cols-3" aria-label="Add a custom redaction rule">
      <Field label="Rule name" name="ruleName" errors={errors.ruleName} hint="Names the marker: “Employee ID” → [REDACTED:EMPLOYEE_ID].">
        {(p) => <input {...p} required maxLength={60} className={inputClass} />}
      </Field>
      <Field
        label="Pattern (JavaScript regular expression)"
        name="rulePattern"
        errors={errors.rulePattern}
        hint="e.g. EMP-\d{6}. Checked for runaway backtracking before it is saved."
        className="md:col-span-2"
      >
        {(p) => <input {...p} required maxLength={500} className={`${inputClass} font-mono`} spellCheck={false} />}
      </Field>
      <SubmitRow label="Add rule" pendingLabel="Checking…" pending={pending} state={state} className="md:col-span-3" />
    </form>
  );
}

export function RedactionSection({ enabled, builtins, custom }: { enabled: boolean; builtins: BuiltinItem[]; custom: CustomItem[] }) {
  return (
    <Card id="redaction">
      <CardHeader
        title="Redaction"
        description="When on, messages, tool arguments and tool results are scanned before they are stored; each match is replaced by a typed marker such as [REDACTED:EMAIL] and counted on the step. Data stored earlier is not changed."
      />
      <EnabledSwitch enabled={enabled} />
      <BuiltinDetectorsForm builtins={builtins} />
      <div className="border-t border-slate-100">
        <h3 className="px-5 pt-4 text-sm font-medium text-slate-700">Custom patterns</h3>
        {custom.length === 0 ? (
          <p className="px-5 py-3 text-sm text-slate-600">No custom patterns. Add one for identifiers of your own, such as employee or customer numbers.</p>
        ) : (
          <Table aria-label="Custom redaction patterns">
            <thead className="bg-slate-50">
              <tr>
                <Th>Name</Th>
                <Th>Pattern</Th>
                <Th>Marker</Th>
                <Th>State</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {custom.map((r) => (
                <CustomRuleRow key={r.id} rule={r} />
              ))}
            </tbody>
          </Table>
        )}
      </div>
      <AddCustomRuleForm />
    </Card>
  );
}
