/**
 * "May I spend this?" — the read-only check and the reservation that holds.
 *
 * A reservation must hold under concurrency: 100 agents reserving $0.50
 * against $10 left get exactly 20 grants, never 21 (a check-then-spend lets
 * them all through). So a reservation locks the hard-capped budgets that
 * apply (agent, team, organisation; in id order, so two reservations never
 * deadlock), and only then reads what they have used — in a statement that
 * starts after the lock was granted, so it sees every reservation committed
 * before — and inserts its own before COMMIT releases the lock. Budgets
 * without a hard cap never refuse; they are not locked.
 *
 * Plain pg, three statements under the lock: it is held for about a
 * millisecond, which is what bounds reservations per second per budget.
 * Ingestion never takes these locks: it settles reservations by trace
 * (settle-hook.ts) and adds spend to the rollup rows the usage reads.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import { plainTransaction, readQuery } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { periodOf, utcDay } from "./period";
import { DEFAULT_TTL_SECONDS, type ReservationBody } from "./schemas";
import { BUDGETS_OF_AGENT, budgetUsageSql, budgetUseOf, type BudgetUsageRow } from "./usage";

export interface AppliedBudget {
  id: string;
  scope: "organisation" | "team" | "agent";
  team: string | null;
  agent: string | null;
  monthlyLimitUsd: number;
  hardCap: boolean;
  spentUsd: number;
  reservedUsd: number;
  remainingUsd: number;
  /** Whether this budget would refuse the estimate (hard cap) or be exceeded by it (soft). */
  exceeded: boolean;
}

export interface CheckAnswer {
  allowed: boolean;
  /** What is left of the tightest budget that applies (null: no budget applies). */
  remainingUsd: number | null;
  budgets: AppliedBudget[];
  reason?: string;
}

const SCOPE_NAMES = { GLOBAL: "organisation", TEAM: "team", AGENT: "agent" } as const;

interface AgentRow {
  id: string;
  teamId: string | null;
}

async function agentNamed(name: string): Promise<AgentRow> {
  const [agent] = await readQuery<AgentRow>(`SELECT "id", "teamId" FROM "Agent" WHERE "name" = $1`, [name]);
  if (!agent) throw new AppError("not_found:agent", `There is no agent named “${name}”.`);
  return agent;
}

const USAGE_OF_AGENT = budgetUsageSql(BUDGETS_OF_AGENT);

const LOCK_HARD_CAPS = `
  SELECT b."id" FROM "Budget" b
  WHERE b."hardCap" AND (b."scope" = 'GLOBAL' OR (b."scope" = 'TEAM' AND b."teamId" = $2) OR (b."scope" = 'AGENT' AND b."agentId" = $1))
  ORDER BY b."id"
  FOR UPDATE`;

const INSERT_RESERVATION = `
  INSERT INTO "BudgetReservation" ("id", "agentId", "teamId", "traceId", "estimatedCostUsd", "expiresAt", "apiKeyId")
  VALUES ($1, $2, $3, $4, $5::numeric, $6::timestamp, $7)`;

function label(row: BudgetUsageRow): string {
  return row.scope === "GLOBAL" ? "the organisation" : row.scope === "TEAM" ? `team ${row.teamName}` : `agent ${row.agentName}`;
}

const usd = (value: number) => `$${value.toFixed(2)}`;

/** Weighs an estimate (nano-dollars) against every budget that applies. */
function weigh(rows: BudgetUsageRow[], estimateUsd: number): CheckAnswer {
  const estimate = BigInt(Math.round(estimateUsd * 1e6)) * 1000n;
  const budgets: AppliedBudget[] = rows.map((row) => {
    const use = budgetUseOf(row);
    return {
      id: row.id,
      scope: SCOPE_NAMES[row.scope],
      team: row.teamName,
      agent: row.agentName,
      monthlyLimitUsd: use.limitUsd,
      hardCap: row.hardCap,
      spentUsd: use.spentUsd,
      reservedUsd: use.reservedUsd,
      remainingUsd: use.remainingUsd,
      exceeded: use.remainingNano < estimate,
    };
  });
  const refusing = budgets.filter((b) => b.hardCap && b.exceeded);
  const remainingUsd = budgets.length ? Math.min(...budgets.map((b) => b.remainingUsd)) : null;
  if (refusing.length === 0) return { allowed: true, remainingUsd, budgets };
  const first = rows.find((r) => r.id === refusing[0]!.id)!;
  const use = budgetUseOf(first);
  return {
    allowed: false,
    remainingUsd: Math.min(...refusing.map((b) => b.remainingUsd)),
    budgets,
    reason:
      `The hard cap of ${label(first)} (${usd(use.limitUsd)} this month) would be exceeded: ` +
      `${usd(use.spentUsd)} spent and ${usd(use.reservedUsd)} reserved leave ${usd(use.remainingUsd)}, less than ${usd(estimateUsd)}.`,
  };
}

/** The read-only question: would this estimate be allowed now? Nothing is held. */
export async function checkBudget(agentName: string, estimatedCostUsd: number, now = new Date()): Promise<CheckAnswer> {
  const agent = await agentNamed(agentName);
  const rows = await readQuery<BudgetUsageRow>(USAGE_OF_AGENT, [utcDay(periodOf(now).start), now.toISOString(), agent.id, agent.teamId]);
  return weigh(rows, estimatedCostUsd);
}

export type ReservationAnswer =
  | { allowed: true; id: string; remainingUsd: number | null; expiresAt: string; budgets: AppliedBudget[] }
  | { allowed: false; reason: string; remainingUsd: number | null; budgets: AppliedBudget[] };

/** Holds `estimatedCostUsd` against every budget of the agent, unless a hard cap would be exceeded. */
export async function reserveBudget(body: ReservationBody, apiKeyId: string | null, now = new Date()): Promise<ReservationAnswer> {
  const agent = await agentNamed(body.agent);
  // Stored with 6 decimals: weigh exactly what is stored.
  const estimatedCostUsd = Math.round(body.estimatedCostUsd * 1e6) / 1e6;
  const expiresAt = new Date(now.getTime() + (body.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000);
  return plainTransaction(async (client) => {
    await client.query(LOCK_HARD_CAPS, [agent.id, agent.teamId]);
    const { rows } = await client.query<BudgetUsageRow>(USAGE_OF_AGENT, [utcDay(periodOf(now).start), now.toISOString(), agent.id, agent.teamId]);
    const answer = weigh(rows, estimatedCostUsd);
    if (!answer.allowed) return { allowed: false, reason: answer.reason!, remainingUsd: answer.remainingUsd, budgets: answer.budgets };
    const id = `res_${randomUUID().replace(/-/g, "")}`;
    await client.query(INSERT_RESERVATION, [id, agent.id, agent.teamId, body.traceId ?? null, estimatedCostUsd.toFixed(6), expiresAt.toISOString(), apiKeyId]);
    const remainingUsd = answer.remainingUsd === null ? null : Math.max(0, Math.round((answer.remainingUsd - estimatedCostUsd) * 1e9) / 1e9);
    return {
      allowed: true,
      id,
      remainingUsd,
      expiresAt: expiresAt.toISOString(),
      budgets: answer.budgets.map((b) => ({ ...b, reservedUsd: b.reservedUsd + estimatedCostUsd, remainingUsd: Math.max(0, b.remainingUsd - estimatedCostUsd) })),
    };
  });
}

/**
 * Gives a reservation back before it expires (the agent did not spend after
 * all). Only the key that made it may; a settled or expired one is left as is.
 * Returns false for an unknown id (or another key's).
 */
export async function releaseReservation(id: string, apiKeyId: string): Promise<boolean> {
  const rows = await readQuery<{ id: string }>(
    `UPDATE "BudgetReservation" SET "settledAt" = COALESCE("settledAt", (now() AT TIME ZONE 'UTC'))
     WHERE "id" = $1 AND "apiKeyId" = $2 RETURNING "id"`,
    [id, apiKeyId],
  );
  return rows.length > 0;
}
