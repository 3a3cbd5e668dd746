/**
 * Budgets under change control. A budget's state is what it limits
 * (`{ monthlyLimitUsd, thresholds, hardCap }`, or null: no budget); the
 * target is what it applies to (`organisation`, `team:<name>`,
 * `agent:<name>`). Only a move that loosens the budget — a higher limit, a
 * removed hard cap, removing the budget — needs a second person; a new budget,
 * a lower limit, a new cap or new thresholds apply at once (needsApproval).
 */
import { registerApplier, type ChangeState } from "@/lib/changes/registry";
import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { formatUsd } from "@/lib/runs/format";
import { budgetStateSchema, describeTarget, needsApproval, parseTargetKey, type BudgetState, type BudgetTarget } from "./schemas";

export const BUDGET_TARGET = "budget";

export interface ResolvedTarget {
  target: BudgetTarget;
  scope: "GLOBAL" | "TEAM" | "AGENT";
  teamId: string | null;
  agentId: string | null;
}

function targetOf(key: string): BudgetTarget {
  const target = parseTargetKey(key);
  if (!target) throw new AppError("bad_request:budget_target", `“${key}” is not a budget target (organisation, team:<name> or agent:<name>).`);
  return target;
}

/** The team or agent a target names, by name. */
export async function resolveTarget(tx: Tx, target: BudgetTarget): Promise<ResolvedTarget> {
  if (target.scope === "organisation") return { target, scope: "GLOBAL", teamId: null, agentId: null };
  if (target.scope === "team") {
    const team = await tx.team.findUnique({ where: { name: target.team }, select: { id: true } });
    if (!team) throw new AppError("not_found:team", `There is no team named “${target.team}”.`);
    return { target, scope: "TEAM", teamId: team.id, agentId: null };
  }
  const agent = await tx.agent.findUnique({ where: { name: target.agent }, select: { id: true } });
  if (!agent) throw new AppError("not_found:agent", `There is no agent named “${target.agent}”.`);
  return { target, scope: "AGENT", teamId: null, agentId: agent.id };
}

const budgetWhere = (r: ResolvedTarget) => ({ scope: r.scope, teamId: r.teamId, agentId: r.agentId });

/** The id of the budget of a target, if it has one. */
export async function budgetIdOf(tx: Tx, target: BudgetTarget): Promise<string | null> {
  const row = await tx.budget.findFirst({ where: budgetWhere(await resolveTarget(tx, target)), select: { id: true } });
  return row?.id ?? null;
}

/**
 * Locks the target for the transaction: an advisory lock on its key, since a
 * budget that does not exist yet has no row to lock (two creations of one
 * target then take turns; the unique index fd_budget_one_per_target backs it).
 */
async function lockTarget(tx: Tx, key: string): Promise<ResolvedTarget> {
  const resolved = await resolveTarget(tx, targetOf(key));
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`budget:${key}`}, 0))`;
  return resolved;
}

export function stateOf(row: { monthlyLimitUsd: { toFixed(digits: number): string }; alertThresholds: number[]; hardCap: boolean }): BudgetState {
  return { monthlyLimitUsd: row.monthlyLimitUsd.toFixed(2), thresholds: [...row.alertThresholds].sort((a, b) => a - b), hardCap: row.hardCap };
}

function parseState(state: ChangeState): BudgetState | null {
  if (state === null) return null;
  const parsed = budgetStateSchema.safeParse(state);
  if (!parsed.success) throw new AppError("internal:change_state", "A stored budget state is malformed.");
  return parsed.data;
}

export function describeBudgetState(state: BudgetState | null): string {
  if (state === null) return "no budget";
  return `${formatUsd(Number(state.monthlyLimitUsd))}/month${state.hardCap ? ", hard cap" : ""}, alerts at ${state.thresholds.length ? state.thresholds.map((t) => `${t}%`).join(" ") : "none"}`;
}

export const budgetApplier = registerApplier({
  kind: "BUDGET",
  targetType: BUDGET_TARGET,
  describeTarget: (key) => {
    const target = parseTargetKey(key);
    return target ? describeTarget(target) : key;
  },
  async lockState(tx, key) {
    const resolved = await lockTarget(tx, key);
    const row = await tx.budget.findFirst({ where: budgetWhere(resolved), select: { monthlyLimitUsd: true, alertThresholds: true, hardCap: true } });
    return row ? stateOf(row) : null;
  },
  async write(tx, key, state, { actor }) {
    const resolved = await lockTarget(tx, key);
    const next = parseState(state);
    const existing = await tx.budget.findFirst({ where: budgetWhere(resolved), select: { id: true } });
    // Every shard of the budget (fd_lock_budget_shards): no reservation is decided against it while it changes.
    if (existing) await tx.$executeRaw`SELECT fd_lock_budget_shards(${existing.id})`;
    if (next === null) {
      if (existing) await tx.budget.delete({ where: { id: existing.id } });
      return;
    }
    const data = { monthlyLimitUsd: next.monthlyLimitUsd, alertThresholds: next.thresholds, hardCap: next.hardCap };
    if (existing) {
      await tx.budget.update({ where: { id: existing.id }, data });
      return;
    }
    await tx.budget.create({
      data: {
        ...data,
        ...budgetWhere(resolved),
        name: describeTarget(resolved.target),
        createdById: actor.type === "USER" ? actor.id : null,
        createdByName: actor.label,
      },
    });
  },
  async isProtected(_tx, _key, { before, after }) {
    return needsApproval(parseState(before), parseState(after));
  },
  summarize(before, after) {
    const [from, to] = [parseState(before), parseState(after)];
    if (from === null) return `new budget, ${describeBudgetState(to)}`;
    if (to === null) return `remove the budget (${describeBudgetState(from)})`;
    const parts: string[] = [];
    if (from.monthlyLimitUsd !== to.monthlyLimitUsd) parts.push(`limit ${formatUsd(Number(from.monthlyLimitUsd))} → ${formatUsd(Number(to.monthlyLimitUsd))}`);
    if (from.hardCap !== to.hardCap) parts.push(to.hardCap ? "add the hard cap" : "remove the hard cap");
    if (from.thresholds.join() !== to.thresholds.join()) parts.push(`alerts ${from.thresholds.join("/")}% → ${to.thresholds.join("/")}%`);
    return parts.join(", ") || describeBudgetState(to);
  },
});
