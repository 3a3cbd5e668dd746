/**
 * Which policy changes need a second person. A change that lets more actions
 * through without a person, or lets them through sooner, waits for approval
 * (change control, four eyes); one that only asks for more clearance applies
 * at once. Pure, so the form can say before saving which way a change goes.
 *
 * Loosening: removing or disabling a policy; a narrower scope or tool pattern;
 * a trigger removed or relaxed (a higher threshold, a lower minimum
 * confidence, a lower autonomy level, loop or budget no longer checked) or a
 * first trigger on a policy that caught every call; fewer approvals; another
 * decider role; a deadline that approves (or approves sooner). Everything
 * else — a new policy, a wider scope, more triggers, more approvals, SLA,
 * warnings, chain, runbook — tightens or is neutral, and applies at once.
 */
import { globToRegExp } from "./match";
import { triggersOf, type PolicyState } from "./schemas";

/** Whether every tool `before` matches is matched by `after` too (a wider or equal pattern). */
export function patternCovers(after: string | null, before: string | null): boolean {
  if (after === null) return true;
  if (before === null) return false;
  // A glob's `*` in `after` also matches a literal `*` of `before`: the test holds for every name `before` matches.
  return globToRegExp(after).test(before);
}

/** Sentences saying how `after` loosens `before`; empty when it does not (it applies at once). */
export function loosenings(before: PolicyState | null, after: PolicyState | null): string[] {
  if (before === null) return [];
  if (after === null) return ["removes the policy"];
  const out: string[] = [];
  if (before.enabled && !after.enabled) out.push("disables the policy");
  if (!before.enabled) return out; // a disabled policy catches nothing: nothing it does next can loosen it
  if ((after.agent !== null || after.team !== null) && (after.agent !== before.agent || after.team !== before.team)) out.push("narrows or moves its scope");
  if (!patternCovers(after.toolPattern, before.toolPattern)) out.push("matches fewer tools");
  const [was, now] = [triggersOf(before), triggersOf(after)];
  if (was.length === 0 && now.length > 0) out.push("no longer catches every call (adds a condition)");
  if (was.length > 0) {
    if (before.argument !== null && (after.argument !== before.argument || after.threshold === null || (before.threshold !== null && after.threshold > before.threshold))) {
      out.push(after.argument === before.argument && after.threshold !== null ? `raises the threshold (${before.threshold} → ${after.threshold})` : `drops or renames the ${before.argument} limit`);
    }
    if (before.minConfidence !== null && (after.minConfidence === null || after.minConfidence < before.minConfidence)) out.push("lowers the minimum confidence");
    if (before.onLoop && !after.onLoop) out.push("no longer catches looping runs");
    if (before.onBudgetExceeded && !after.onBudgetExceeded) out.push("no longer catches agents over budget");
    if (before.maxAutonomyLevel !== null && (after.maxAutonomyLevel === null || after.maxAutonomyLevel < before.maxAutonomyLevel)) out.push("catches fewer autonomy levels");
  }
  if (after.requiredApprovals < before.requiredApprovals) out.push("needs fewer approvals");
  if (after.deciderRole !== before.deciderRole) out.push(`lets ${after.deciderRole} decide instead of ${before.deciderRole}`);
  if (after.timeoutAction === "approve" && before.timeoutAction !== "approve") out.push("approves at the deadline");
  if (after.timeoutAction === "approve" && before.timeoutAction === "approve" && after.deadlineMinutes < before.deadlineMinutes) out.push("approves sooner at the deadline");
  return out;
}

export const needsApproval = (before: PolicyState | null, after: PolicyState | null): boolean => loosenings(before, after).length > 0;
