/**
 * Setting policies: each new policy, change and removal is a change of the
 * policy through change control, so every policy keeps its versions and can
 * be rolled back. Tightening applies at once; loosening waits for a second
 * person (loosening.ts). People with `policies:write` (compliance, admins)
 * and API keys with `admin` may propose.
 */
import type { Actor } from "@/lib/audit";
import { CHANGE_TX_OPTIONS, proposeChange, type ProposeResult } from "@/lib/changes/commands";
import type { ChangeState } from "@/lib/changes/registry";
import { defineCommand, execute } from "@/lib/commands";
import { AppError } from "@/lib/errors";
import { loosenings } from "./loosening";
import { parsePolicyState, policyApplier } from "./applier";
import type { PolicyState } from "./schemas";

export interface SetPolicyInput {
  name: string;
  /** null: remove the policy. */
  state: PolicyState | null;
  reason: string;
  /** Refuse when the policy exists already (create), or when it does not (change, removal). */
  expect?: "absent" | "present";
}

export interface SetPolicyResult extends ProposeResult {
  /** Why it waits for approval (empty when it applied). */
  loosens: string[];
}

export const setPolicyCommand = defineCommand("change.propose", { user: "policies:write", key: "admin" }, async (tx, actor, input: SetPolicyInput) => {
  const before = parsePolicyState(await policyApplier.lockState(tx, input.name));
  if (input.expect === "absent" && before !== null) {
    const existing = await tx.policy.findUnique({ where: { name: input.name }, select: { id: true } });
    throw new AppError("conflict:policy_exists", `A policy named “${input.name}” exists already; change it instead.`, { id: existing?.id });
  }
  if (input.expect === "present" && before === null) throw new AppError("not_found:policy", `There is no policy named “${input.name}”.`);
  const { result, audit } = await proposeChange(tx, actor, policyApplier, {
    targetId: input.name,
    after: input.state as unknown as ChangeState,
    reason: input.reason,
  });
  return { result: { ...result, loosens: result.applied ? [] : loosenings(before, input.state) }, audit };
});

export const setPolicy = (actor: Actor, input: SetPolicyInput): Promise<SetPolicyResult> => execute(setPolicyCommand, actor, input, CHANGE_TX_OPTIONS);
