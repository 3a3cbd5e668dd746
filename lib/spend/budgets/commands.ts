/**
 * Setting budgets: each is a change of the budget's target through change
 * control, so every budget keeps its history and can be rolled back. A new
 * budget, a lower limit, a new cap or new thresholds apply at once; a raise, a
 * removed cap or a removal waits for a second person (applier.ts). People with
 * `budgets:write` (finance, admins) and API keys with `admin` may propose.
 */
import type { Actor } from "@/lib/audit";
import { CHANGE_TX_OPTIONS, proposeChange, type ProposeResult } from "@/lib/changes/commands";
import { defineCommand, execute } from "@/lib/commands";
import { AppError } from "@/lib/errors";
import { budgetApplier, budgetIdOf, stateOf } from "./applier";
import {
  DEFAULT_THRESHOLDS,
  describeTarget,
  targetKey,
  toLimitString,
  type BudgetCreateBody,
  type BudgetPatchBody,
  type BudgetState,
  type BudgetTarget,
} from "./schemas";

export interface SetBudgetInput {
  target: BudgetTarget;
  /** null: remove the budget. */
  state: BudgetState | null;
  reason: string;
  /** Refuse when the target has a budget already (POST), or when it has none (PATCH, removal). */
  expect?: "absent" | "present";
}

export const setBudgetCommand = defineCommand("change.propose", { user: "budgets:write", key: "admin" }, async (tx, actor, input: SetBudgetInput) => {
  const key = targetKey(input.target);
  if (input.expect) {
    const before = await budgetApplier.lockState(tx, key);
    if (input.expect === "absent" && before !== null) {
      const existing = await budgetIdOf(tx, input.target);
      throw new AppError("conflict:budget_exists", `${describeTarget(input.target)} exists already; change it instead.`, { id: existing });
    }
    if (input.expect === "present" && before === null) throw new AppError("not_found:budget", `There is no ${describeTarget(input.target).toLowerCase()}.`);
  }
  return proposeChange(tx, actor, budgetApplier, { targetId: key, after: input.state, reason: input.reason });
});

export const setBudget = (actor: Actor, input: SetBudgetInput): Promise<ProposeResult> => execute(setBudgetCommand, actor, input, CHANGE_TX_OPTIONS);

export function stateFromCreate(body: Pick<BudgetCreateBody, "monthlyLimitUsd" | "thresholds" | "hardCap">): BudgetState {
  return { monthlyLimitUsd: toLimitString(body.monthlyLimitUsd), thresholds: body.thresholds ?? [...DEFAULT_THRESHOLDS], hardCap: body.hardCap ?? false };
}

export function stateFromPatch(current: BudgetState, patch: BudgetPatchBody): BudgetState {
  return {
    monthlyLimitUsd: patch.monthlyLimitUsd !== undefined ? toLimitString(patch.monthlyLimitUsd) : current.monthlyLimitUsd,
    thresholds: patch.thresholds ?? current.thresholds,
    hardCap: patch.hardCap ?? current.hardCap,
  };
}

export const targetFromCreate = (body: BudgetCreateBody): BudgetTarget =>
  body.scope === "organisation" ? { scope: "organisation" } : body.scope === "team" ? { scope: "team", team: body.team! } : { scope: "agent", agent: body.agent! };

export { stateOf };
