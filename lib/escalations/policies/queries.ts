/**
 * Reads for policies: the list (Settings, GET /api/v1/policies) with any
 * change waiting on each, one policy, its versions, and the enabled policies
 * the clearance API weighs.
 */
import "server-only";
import "@/lib/changes/appliers";
import { db } from "@/lib/db";
import type { Tx } from "@/lib/db";
import { POLICY_SELECT, POLICY_TARGET, stateOfRow, type PolicyRow } from "./applier";
import type { MatchablePolicy } from "./match";
import type { PolicyState } from "./schemas";

export interface PolicyView extends PolicyState {
  id: string;
  name: string;
  version: number;
  updatedAt: string;
  pendingChange: { id: string; title: string } | null;
}

/** The HTTP contract's shape (`GET /api/v1/policies`). */
export type PolicyJson = PolicyView;

const VIEW_SELECT = { ...POLICY_SELECT, updatedAt: true } as const;

function viewOf(row: PolicyRow & { updatedAt: Date }, pending: Map<string, { id: string; title: string }>): PolicyView {
  return { id: row.id, name: row.name, version: row.version, ...stateOfRow(row), updatedAt: row.updatedAt.toISOString(), pendingChange: pending.get(row.name) ?? null };
}

async function pendingChanges(names: string[]): Promise<Map<string, { id: string; title: string }>> {
  if (names.length === 0) return new Map();
  const rows = await db.change.findMany({ where: { targetType: POLICY_TARGET, targetId: { in: names }, status: "PENDING" }, select: { id: true, title: true, targetId: true } });
  return new Map(rows.map((r) => [r.targetId, { id: r.id, title: r.title }]));
}

/** Every policy not removed, by name. */
export async function listPolicies(): Promise<PolicyView[]> {
  const rows = await db.policy.findMany({ where: { removedAt: null }, select: VIEW_SELECT, orderBy: { name: "asc" }, take: 500 });
  const pending = await pendingChanges(rows.map((r) => r.name));
  return rows.map((r) => viewOf(r, pending));
}

export async function getPolicy(id: string): Promise<PolicyView | null> {
  const row = await db.policy.findFirst({ where: { id, removedAt: null }, select: VIEW_SELECT });
  if (!row) return null;
  return viewOf(row, await pendingChanges([row.name]));
}

export async function policyIdByName(name: string): Promise<string | null> {
  return (await db.policy.findUnique({ where: { name }, select: { id: true } }))?.id ?? null;
}

/** A policy's versions, newest first. */
export async function listPolicyVersions(policyId: string) {
  return db.policyVersion.findMany({ where: { policyId }, orderBy: { version: "desc" }, take: 50, select: { version: true, createdByName: true, createdAt: true, changeId: true } });
}

/** The enabled policies, as the matcher weighs them (a handful of rows; read per request, never cached, so a change counts at once). */
export async function enabledPolicies(client: Tx = db): Promise<MatchablePolicy[]> {
  const rows = await client.policy.findMany({ where: { enabled: true, removedAt: null }, select: POLICY_SELECT, take: 1000 });
  return rows.map((r) => ({ id: r.id, name: r.name, version: r.version, ...stateOfRow(r) }));
}

/** Names of agents and teams, for the policy form's pickers. */
export async function policyScopeOptions(): Promise<{ agents: string[]; teams: string[] }> {
  const [agents, teams] = await Promise.all([
    db.agent.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: 1000 }),
    db.team.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: 1000 }),
  ]);
  return { agents: agents.map((a) => a.name), teams: teams.map((t) => t.name) };
}
