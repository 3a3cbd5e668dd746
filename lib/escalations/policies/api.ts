/**
 * What the policy routes share: a body laid over a state and validated (400
 * naming each field), the change a command made as the API answers it
 * (`applied` or `pending` with its console URL and why it waits), and ids.
 */
import "server-only";
import { issuesToDetails } from "@/lib/api/parse";
import { AppError } from "@/lib/errors";
import type { SetPolicyResult } from "./commands";
import { getPolicy, policyIdByName, type PolicyJson } from "./queries";
import { mergeBody, policyIdSchema, type PolicyPatchBody, type PolicyState } from "./schemas";

export function stateFromBody(base: PolicyState, body: PolicyPatchBody): PolicyState {
  const parsed = mergeBody(base, body);
  if (!parsed.success) throw new AppError("bad_request:policy", "The policy is not valid.", issuesToDetails(parsed.error.issues));
  return parsed.data;
}

export function parsePolicyId(raw: string): string {
  const id = policyIdSchema.safeParse(raw);
  if (!id.success) throw new AppError("bad_request:policy_id", "Malformed policy id.");
  return id.data;
}

export interface PolicyChangeAnswer {
  policy: PolicyJson | null;
  change: { id: string; status: "applied" | "pending"; title: string; url: string; loosens: string[] };
}

export async function policyAnswer(name: string, proposed: SetPolicyResult): Promise<PolicyChangeAnswer> {
  const id = await policyIdByName(name);
  const policy = id ? await getPolicy(id) : null;
  const { change, applied, loosens } = proposed;
  return { policy, change: { id: change.id, status: applied ? "applied" : "pending", title: change.title, url: `/changes/${change.id}`, loosens } };
}
