/**
 * Which policy catches an agent's action, and why: pure functions, shared by
 * the clearance API (lib/escalations/request.ts) and the history trial
 * (trial.ts), so a trial says exactly what saving the policy would do.
 *
 * A policy applies to a call when its scope holds (its agent, or an agent of
 * its team, or every agent) and the tool matches its pattern (none: every
 * tool). It then catches the call when any trigger it sets holds: a numeric
 * argument above the threshold, a confidence below the minimum, the run
 * flagged as looping, the agent over a budget, the agent's autonomy level at
 * most the policy's. A policy that sets no trigger catches every call it
 * applies to. Doubt fails closed: an argument that is there but not a number,
 * or no confidence where the policy asks for one, counts as caught.
 */
import type { JsonValue } from "@/lib/audit/canonical";
import { triggersOf, type PolicyState } from "./schemas";

export interface MatchablePolicy extends PolicyState {
  id: string;
  name: string;
  version: number;
}

/** What is known about the call when it is weighed. `null` signals were not read (no candidate policy needs them). */
export interface CallFacts {
  agent: string;
  team: string | null;
  /** The agent's autonomy level; null: the agent is unknown (weighed as 0, the least trusted). */
  autonomyLevel: number | null;
  tool: string;
  arguments: JsonValue;
  confidence: number | null;
  looping: boolean | null;
  /** A sentence naming the budget the agent is over, or null when it is within every budget. */
  overBudget: string | null | undefined;
}

export interface PolicyMatch {
  policy: MatchablePolicy;
  reasons: string[];
}

const globCache = new Map<string, RegExp>();

/** `*` matches any characters (none too); everything else literally. */
export function globToRegExp(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`);
    if (globCache.size > 1000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re;
}

export function toolMatches(pattern: string | null, tool: string): boolean {
  return pattern === null || globToRegExp(pattern).test(tool);
}

/** The value at a dotted path (`payment.amount`, `lines.0.total`), or undefined. */
export function valueAt(args: JsonValue, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = args;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(key)) return undefined;
      current = current[Number(key)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
      current = current[key];
    }
  }
  return current;
}

/** A number, or a string that is one written plainly (`"12000"`, `"12000.50"`); else null. */
export function numericValue(value: JsonValue | undefined): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  return null;
}

/** Whether the policy's scope and tool pattern hold for the call (before any trigger is weighed). */
export function appliesTo(policy: Pick<PolicyState, "agent" | "team" | "toolPattern" | "enabled">, facts: Pick<CallFacts, "agent" | "team" | "tool">): boolean {
  if (!policy.enabled) return false;
  if (policy.agent !== null && policy.agent !== facts.agent) return false;
  if (policy.team !== null && policy.team !== facts.team) return false;
  return toolMatches(policy.toolPattern, facts.tool);
}

const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 6 });

/** The sentences saying why the policy catches the call; empty when it does not. */
export function matchReasons(policy: PolicyState, facts: CallFacts): string[] {
  if (!appliesTo(policy, facts)) return [];
  const reasons: string[] = [];
  if (policy.argument !== null && policy.threshold !== null) {
    const raw = valueAt(facts.arguments, policy.argument);
    if (raw !== undefined && raw !== null) {
      const value = numericValue(raw);
      if (value === null) reasons.push(`${policy.argument} is not a number, so it cannot be shown to be at most ${fmt(policy.threshold)}`);
      else if (value > policy.threshold) reasons.push(`${policy.argument} ${fmt(value)} is above ${fmt(policy.threshold)}`);
    }
  }
  if (policy.minConfidence !== null) {
    if (facts.confidence === null) reasons.push(`no confidence given; the policy asks for at least ${policy.minConfidence}`);
    else if (facts.confidence < policy.minConfidence) reasons.push(`confidence ${facts.confidence} is below ${policy.minConfidence}`);
  }
  if (policy.onLoop && facts.looping === true) reasons.push("the run is flagged as looping");
  if (policy.onBudgetExceeded && facts.overBudget) reasons.push(facts.overBudget);
  if (policy.maxAutonomyLevel !== null) {
    const level = facts.autonomyLevel ?? 0;
    if (level <= policy.maxAutonomyLevel) {
      reasons.push(facts.autonomyLevel === null ? `the agent is unknown (autonomy 0), at most ${policy.maxAutonomyLevel}` : `the agent's autonomy level ${level} is at most ${policy.maxAutonomyLevel}`);
    }
  }
  if (triggersOf(policy).length === 0) {
    reasons.push(policy.toolPattern === null ? "every action in the policy's scope needs clearance" : `every call of ${policy.toolPattern} needs clearance`);
  }
  return reasons;
}

/** Which signals the candidate policies need read (loop flag, budgets), so a call no such policy applies to costs no query. */
export function neededSignals(policies: readonly PolicyState[], facts: Pick<CallFacts, "agent" | "team" | "tool">): { looping: boolean; budget: boolean } {
  const candidates = policies.filter((p) => appliesTo(p, facts));
  return { looping: candidates.some((p) => p.onLoop), budget: candidates.some((p) => p.onBudgetExceeded) };
}

/**
 * Every policy that catches the call, strictest first: more approvals, then
 * an admin decider, then the shorter deadline and SLA, then by name. The
 * first one records the escalation; the others are named in its reasons.
 */
export function matchPolicies<P extends MatchablePolicy>(policies: readonly P[], facts: CallFacts): (PolicyMatch & { policy: P })[] {
  const matches: (PolicyMatch & { policy: P })[] = [];
  for (const policy of policies) {
    const reasons = matchReasons(policy, facts);
    if (reasons.length) matches.push({ policy, reasons });
  }
  return matches.sort(
    (a, b) =>
      b.policy.requiredApprovals - a.policy.requiredApprovals ||
      Number(b.policy.deciderRole === "admin") - Number(a.policy.deciderRole === "admin") ||
      a.policy.deadlineMinutes - b.policy.deadlineMinutes ||
      a.policy.slaMinutes - b.policy.slaMinutes ||
      a.policy.name.localeCompare(b.policy.name),
  );
}

/** The escalation's risk when the agent does not say: high for four eyes or an argument at twice the limit or more. */
export function riskOf(match: PolicyMatch, args: JsonValue): "high" | "medium" {
  const p = match.policy;
  if (p.requiredApprovals >= 2) return "high";
  if (p.argument !== null && p.threshold !== null && p.threshold > 0) {
    const value = numericValue(valueAt(args, p.argument));
    if (value !== null && value >= 2 * p.threshold) return "high";
  }
  return "medium";
}
