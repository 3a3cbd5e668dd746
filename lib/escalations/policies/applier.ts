/**
 * Policies under change control. A policy's state is what it says
 * (schemas.ts `PolicyState`, or null: no such policy); the target is its name.
 * Every applied change writes a new immutable PolicyVersion and moves the
 * policy to it, so each escalation can name the version that caught it and a
 * rollback is one more version. Loosening needs a second person
 * (loosening.ts); tightening applies at once.
 */
import { registerApplier, type ChangeState } from "@/lib/changes/registry";
import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { loosenings } from "./loosening";
import { policyStateSchema, triggersOf, type PolicyState } from "./schemas";

export const POLICY_TARGET = "policy";

const POLICY_SELECT = {
  id: true,
  name: true,
  version: true,
  removedAt: true,
  toolPattern: true,
  argument: true,
  threshold: true,
  minConfidence: true,
  onLoop: true,
  onBudgetExceeded: true,
  maxAutonomyLevel: true,
  requiredApprovals: true,
  deciderRole: true,
  slaMinutes: true,
  deadlineMinutes: true,
  warnBeforeMinutes: true,
  timeoutAction: true,
  escalationChain: true,
  runbook: true,
  enabled: true,
  agent: { select: { name: true } },
  team: { select: { name: true } },
} as const;

export type PolicyRow = Prisma.PolicyGetPayload<{ select: typeof POLICY_SELECT }>;
export { POLICY_SELECT };

/** A stored row as the state change control compares. */
export function stateOfRow(row: PolicyRow): PolicyState {
  const chain = Array.isArray(row.escalationChain) ? row.escalationChain : [];
  return {
    agent: row.agent?.name ?? null,
    team: row.team?.name ?? null,
    toolPattern: row.toolPattern,
    argument: row.argument,
    threshold: row.threshold === null ? null : Number(row.threshold.toString()),
    minConfidence: row.minConfidence,
    onLoop: row.onLoop,
    onBudgetExceeded: row.onBudgetExceeded,
    maxAutonomyLevel: row.maxAutonomyLevel,
    requiredApprovals: row.requiredApprovals === 2 ? 2 : 1,
    deciderRole: row.deciderRole === "ADMIN" ? "admin" : "compliance",
    slaMinutes: row.slaMinutes,
    deadlineMinutes: row.deadlineMinutes,
    warnBeforeMinutes: row.warnBeforeMinutes,
    timeoutAction: row.timeoutAction === "APPROVE" ? "approve" : row.timeoutAction === "KEEP_OPEN" ? "keep_open" : "reject",
    escalationChain: chain as PolicyState["escalationChain"],
    runbook: row.runbook,
    enabled: row.enabled,
  };
}

export function parsePolicyState(state: ChangeState): PolicyState | null {
  if (state === null) return null;
  const parsed = policyStateSchema.safeParse(state);
  if (!parsed.success) throw new AppError("internal:change_state", "A stored policy state is malformed.");
  return parsed.data;
}

/** Locks the name for the transaction (a policy that does not exist yet has no row to lock) and reads the policy. */
async function lockPolicy(tx: Tx, name: string): Promise<PolicyRow | null> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`policy:${name}`}, 0))`;
  return tx.policy.findUnique({ where: { name }, select: POLICY_SELECT });
}

async function idsOf(tx: Tx, state: PolicyState): Promise<{ agentId: string | null; teamId: string | null }> {
  let agentId: string | null = null;
  let teamId: string | null = null;
  if (state.agent !== null) {
    const agent = await tx.agent.findUnique({ where: { name: state.agent }, select: { id: true } });
    if (!agent) throw new AppError("not_found:agent", `There is no agent named “${state.agent}”.`);
    agentId = agent.id;
  }
  if (state.team !== null) {
    const team = await tx.team.findUnique({ where: { name: state.team }, select: { id: true } });
    if (!team) throw new AppError("not_found:team", `There is no team named “${state.team}”.`);
    teamId = team.id;
  }
  return { agentId, teamId };
}

const TIMEOUT = { reject: "REJECT", approve: "APPROVE", keep_open: "KEEP_OPEN" } as const;

function columnsOf(state: PolicyState) {
  return {
    toolPattern: state.toolPattern,
    argument: state.argument,
    threshold: state.threshold === null ? null : new Prisma.Decimal(state.threshold),
    minConfidence: state.minConfidence,
    onLoop: state.onLoop,
    onBudgetExceeded: state.onBudgetExceeded,
    maxAutonomyLevel: state.maxAutonomyLevel,
    requiredApprovals: state.requiredApprovals,
    deciderRole: state.deciderRole === "admin" ? ("ADMIN" as const) : ("COMPLIANCE" as const),
    slaMinutes: state.slaMinutes,
    deadlineMinutes: state.deadlineMinutes,
    warnBeforeMinutes: state.warnBeforeMinutes,
    timeoutAction: TIMEOUT[state.timeoutAction],
    escalationChain: state.escalationChain as unknown as Prisma.InputJsonValue,
    runbook: state.runbook,
    enabled: state.enabled,
  };
}

/** One line describing a state, for change titles and lists. */
export function describePolicyState(state: PolicyState | null): string {
  if (state === null) return "no policy";
  const scope = state.agent ? `agent ${state.agent}` : state.team ? `team ${state.team}` : "every agent";
  const tool = state.toolPattern ?? "any tool";
  const triggers: string[] = [];
  if (state.argument !== null) triggers.push(`${state.argument} > ${state.threshold}`);
  if (state.minConfidence !== null) triggers.push(`confidence < ${state.minConfidence}`);
  if (state.onLoop) triggers.push("looping");
  if (state.onBudgetExceeded) triggers.push("over budget");
  if (state.maxAutonomyLevel !== null) triggers.push(`autonomy ≤ ${state.maxAutonomyLevel}`);
  const when = triggersOf(state).length ? triggers.join(" or ") : "always";
  const off = state.enabled ? "" : " (disabled)";
  return `${tool} of ${scope} when ${when}; ${state.requiredApprovals} approval${state.requiredApprovals === 2 ? "s" : ""} by ${state.deciderRole}, deadline ${state.deadlineMinutes} min → ${state.timeoutAction}${off}`;
}

export const policyApplier = registerApplier({
  kind: "POLICY",
  targetType: POLICY_TARGET,
  describeTarget: (name) => `Policy “${name}”`,
  async lockState(tx, name) {
    const row = await lockPolicy(tx, name);
    return row && row.removedAt === null ? (stateOfRow(row) as unknown as ChangeState) : null;
  },
  async write(tx, name, raw, { changeId, actor }) {
    const existing = await lockPolicy(tx, name);
    const state = parsePolicyState(raw);
    if (state === null) {
      if (!existing || existing.removedAt !== null) return;
      const version = existing.version + 1;
      await tx.policy.update({ where: { id: existing.id }, data: { enabled: false, removedAt: new Date(), version } });
      await tx.policyVersion.create({ data: { policyId: existing.id, version, state: Prisma.JsonNull, changeId, createdByName: actor.label } });
      return;
    }
    const data = { ...columnsOf(state), ...(await idsOf(tx, state)), removedAt: null };
    if (existing) {
      const version = existing.version + 1;
      await tx.policy.update({ where: { id: existing.id }, data: { ...data, version } });
      await tx.policyVersion.create({ data: { policyId: existing.id, version, state: state as unknown as Prisma.InputJsonValue, changeId, createdByName: actor.label } });
      return;
    }
    const created = await tx.policy.create({ data: { ...data, name, version: 1 } });
    await tx.policyVersion.create({ data: { policyId: created.id, version: 1, state: state as unknown as Prisma.InputJsonValue, changeId, createdByName: actor.label } });
  },
  async isProtected(_tx, _name, { before, after }) {
    return loosenings(parsePolicyState(before), parsePolicyState(after)).length > 0;
  },
  summarize(before, after) {
    const [from, to] = [parsePolicyState(before), parsePolicyState(after)];
    if (from === null) return `new policy: ${describePolicyState(to)}`;
    if (to === null) return "remove the policy";
    const loosened = loosenings(from, to);
    return loosened.length ? loosened.join(", ") : describePolicyState(to);
  },
});
