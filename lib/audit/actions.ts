/**
 * The audit action catalogue: every action an audit event may record, declared
 * once. One grammar, `area.verb` in snake_case (`prompt_label.move`,
 * `api_key.revoke`); `AuditInput.action` is typed from this list, and
 * `actions.test.ts` checks every command and every literal in the code uses it.
 * Areas that land later add their actions here, next to their siblings.
 */
export const AUDIT_ACTIONS = [
  // people and access
  "user.create",
  "user.update",
  "user.sign_in",
  "user.sign_out",
  "user.link_oidc",
  "user.provision",
  "user.change_password",
  "user.reset_password",
  "user.revoke_sessions",
  "api_key.create",
  "api_key.revoke",
  "api_key.restore",
  // telemetry and its settings ("telemetry.ingest", one event per ingest request, is gone: what keys send is the
  // ingestion ledger's, lib/telemetry/ledger.ts; old databases keep such rows and the audit page still shows them)
  "setting.update",
  "redaction_builtins.update",
  "redaction_rule.create",
  "redaction_rule.update",
  "redaction_rule.delete",
  "model_price.create",
  "model_price.delete",
  "model_price.seed",
  // re-pricing stored calls that had no price: queued by a person, each batch applied by the price_recompute job
  "model_price.recompute",
  "model_price.reprice",
  // spend and budgets (budget changes themselves are change.* events)
  "budget.alert",
  "spend.anomaly",
  // runs and their judgement
  "run.stall",
  "run_outcome.record",
  "step_score.record",
  // prompts
  "prompt.create",
  "prompt_version.create",
  "prompt.update",
  "agent.update",
  // agent status and breakers: people and incident tooling pause and resume, breakers trip
  "agent.pause",
  "agent.resume",
  "agent.trip",
  "breaker.create",
  "breaker.update",
  "breaker.delete",
  "breaker.would_trip",
  "breaker.half_open",
  "breaker.close",
  "runbook.update",
  // change control: every kind's proposal, and the decisions on it
  "change.propose",
  "change.apply",
  "change.approve",
  "change.reject",
  "change.cancel",
  "change.rollback",
  "change.supersede",
  // escalations: an agent asks, people claim and decide, the deadline job applies the policy, ingestion checks execution
  "escalation.request",
  "escalation.claim",
  "escalation.release",
  "escalation.approve",
  "escalation.reject",
  "escalation.cancel",
  "escalation.deadline",
  "escalation.warn",
  "escalation.sla_breach",
  "escalation.chain",
  "escalation.execution_mismatch",
  // outbound webhooks
  "webhook_endpoint.create",
  "webhook_endpoint.update",
  "webhook_endpoint.delete",
  "webhook_endpoint.test",
  // jobs
  "job.run",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** `area.verb`, both snake_case. */
export const AUDIT_ACTION_GRAMMAR = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*\.[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === "string" && (AUDIT_ACTIONS as readonly string[]).includes(value);
}
