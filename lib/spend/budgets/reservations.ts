/**
 * "May I spend this?" — the read-only check and the reservation that holds.
 *
 * A reservation must hold under concurrency: 100 agents reserving $0.50
 * against $10 left get exactly 20 grants, never 21 (a check-then-spend lets
 * them all through). Each is ONE statement, `fd_reserve_budget` (PL/pgSQL,
 * migration *_reservation_totals; README.md here): it locks the hard caps
 * that apply (the agent's shard of each far from the cap, all shards near
 * it; in id order, so two reservations never deadlock), reads their use in a
 * statement that starts after the locks were granted, and inserts its own;
 * COMMIT releases the locks. They are held for the server's work only (the
 * commit does not wait for the disk: a grant is answered after fd_flush_wal,
 * or with RESERVATION_COMMIT=async at once),
 * never across a round trip to this process, and what is read
 * under them is a few hundred rows at most whatever the number of open
 * reservations (the reserved totals). Budgets without a hard cap never
 * refuse; they are not locked.
 *
 * The check is one statement too (`fd_check_budget`): the agent by name and
 * the same use. Ingestion never takes these locks: it settles reservations by
 * trace (settle-hook.ts) and adds spend to the rollup rows the use reads.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import { readQuery } from "@/lib/db";
import { readEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { DEFAULT_TTL_SECONDS, idempotencyKeySchema, type ReservationBody } from "./schemas";
import { budgetUseOf, type BudgetUsageRow } from "./usage";

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

/** The SQLSTATE both functions raise for an agent name they do not know. */
const UNKNOWN_AGENT = "FD404";

function unknownAgent(name: string): AppError {
  return new AppError("not_found:agent", `There is no agent named “${name}”.`);
}

const isUnknownAgent = (error: unknown) => (error as { code?: unknown } | null)?.code === UNKNOWN_AGENT;

function label(row: BudgetUsageRow): string {
  return row.scope === "GLOBAL" ? "the organisation" : row.scope === "TEAM" ? `team ${row.teamName}` : `agent ${row.agentName}`;
}

const usd = (value: number) => `$${value.toFixed(2)}`;

/** Weighs an estimate (nano-dollars) against every budget that applies, as fd_reserve_budget does. */
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

/** The read-only question: would this estimate be allowed now? Nothing is held. One statement. */
export async function checkBudget(agentName: string, estimatedCostUsd: number, now = new Date()): Promise<CheckAnswer> {
  const rows = await readQuery<BudgetUsageRow>(`SELECT * FROM fd_check_budget($1, $2::timestamp)`, [agentName, now.toISOString()]).catch((error: unknown) => {
    throw isUnknownAgent(error) ? unknownAgent(agentName) : error;
  });
  return weigh(rows, estimatedCostUsd);
}

export type ReservationAnswer =
  | { allowed: true; id: string; remainingUsd: number | null; expiresAt: string; budgets: AppliedBudget[]; repeated: boolean }
  | { allowed: false; reason: string; remainingUsd: number | null; budgets: AppliedBudget[] };

export interface ReservationOptions {
  /** The request's `Idempotency-Key`: a retry with the same key (and API key) gets the same reservation back. */
  idempotencyKey?: string | null;
  /**
   * "durable" (RESERVATION_COMMIT's default): a grant is answered once it is on disk. "async": once
   * committed, before the flush: every other reservation sees it at once, so the caps hold exactly
   * alike, but a database crash within ~wal_writer_delay × 3 of it can forget a grant already answered.
   */
  commit?: "durable" | "async";
}

/** The `Idempotency-Key` header's value (null when absent), or 400 naming it. */
export function parseIdempotencyKey(header: string | null): string | null {
  if (header === null) return null;
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) {
    throw new AppError("bad_request:reservation", "The reservation is not valid.", [{ path: "Idempotency-Key", message: parsed.error.issues[0]!.message }]);
  }
  return parsed.data;
}

interface ReservationRow extends Omit<BudgetUsageRow, "id"> {
  outcome: "granted" | "refused" | "repeated" | "key_reused";
  reservationId: string | null;
  expiresAt: Date | null;
  /** Null on the one row answered when no budget applies. */
  id: string | null;
}

/** Holds `estimatedCostUsd` against every budget of the agent, unless a hard cap would be exceeded. One statement. */
export async function reserveBudget(
  body: ReservationBody,
  apiKeyId: string | null,
  now = new Date(),
  { idempotencyKey = null, commit = readEnv().RESERVATION_COMMIT }: ReservationOptions = {},
): Promise<ReservationAnswer> {
  // Stored with 6 decimals: weigh exactly what is stored.
  const estimatedCostUsd = Math.round(body.estimatedCostUsd * 1e6) / 1e6;
  // Whole seconds (rounded up): the reserved totals count the minute under way per second (README.md).
  const expiresAt = new Date(Math.ceil((now.getTime() + (body.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000) / 1000) * 1000);
  const id = `res_${randomUUID().replace(/-/g, "")}`;
  const rows = await readQuery<ReservationRow>(`SELECT * FROM fd_reserve_budget($1, $2, $3::numeric, $4::timestamp, $5, $6, $7, $8::timestamp)`, [
    id,
    body.agent,
    estimatedCostUsd.toFixed(6),
    expiresAt.toISOString(),
    body.traceId ?? null,
    apiKeyId,
    idempotencyKey,
    now.toISOString(),
  ]).catch((error: unknown) => {
    throw isUnknownAgent(error) ? unknownAgent(body.agent) : error;
  });
  const { outcome, reservationId, expiresAt: heldUntil } = rows[0]!;
  // fd_reserve_budget released its locks without waiting for the disk: a grant is answered once it is
  // durable, unless RESERVATION_COMMIT=async chose the answer before the flush (the disk's stalls out of the tail).
  if (commit === "durable" && (outcome === "granted" || outcome === "repeated")) await readQuery(`SELECT fd_flush_wal()`, []);
  const budgetRows = rows.filter((r): r is ReservationRow & { id: string } => r.id !== null);
  if (outcome === "key_reused") {
    throw new AppError("bad_request:idempotency_key", "This Idempotency-Key was used for another reservation (another agent or estimate): use a new key for a new reservation.");
  }
  const answer = weigh(budgetRows, estimatedCostUsd);
  if (outcome === "refused") {
    // The database decided under the lock with the same arithmetic as weigh(): its rows say which cap refused.
    return { allowed: false, reason: answer.reason ?? "A hard cap would be exceeded.", remainingUsd: answer.remainingUsd, budgets: answer.budgets };
  }
  if (outcome === "repeated") {
    // The rows are read now and already count the reservation (while it holds).
    return { allowed: true, id: reservationId!, remainingUsd: answer.remainingUsd, expiresAt: heldUntil!.toISOString(), budgets: answer.budgets, repeated: true };
  }
  const remainingUsd = answer.remainingUsd === null ? null : Math.max(0, Math.round((answer.remainingUsd - estimatedCostUsd) * 1e9) / 1e9);
  return {
    allowed: true,
    id: reservationId!,
    remainingUsd,
    expiresAt: expiresAt.toISOString(),
    budgets: answer.budgets.map((b) => ({ ...b, reservedUsd: b.reservedUsd + estimatedCostUsd, remainingUsd: Math.max(0, b.remainingUsd - estimatedCostUsd) })),
    repeated: false,
  };
}

/**
 * Gives a reservation back before it expires (the agent did not spend after
 * all). Only the key that made it may; a settled or expired one is left as is
 * (and an estimate not folded out of the totals yet leaves them now).
 * Returns false for an unknown id (or another key's).
 */
export async function releaseReservation(id: string, apiKeyId: string): Promise<boolean> {
  const rows = await readQuery<{ id: string }>(
    `UPDATE "BudgetReservation" SET "settledAt" = COALESCE("settledAt", (now() AT TIME ZONE 'UTC')), "inTotals" = false
     WHERE "id" = $1 AND "apiKeyId" = $2 RETURNING "id"`,
    [id, apiKeyId],
  );
  return rows.length > 0;
}
