/**
 * The budget phase's setup and requests: budgets set through the real API
 * (`POST /api/v1/budgets`, admin key; a new budget applies at once), the check
 * and reservation targets for the load generator (one client per agent), and
 * the final reckoning: the reservations stored must be exactly the granted
 * ones, to the micro-dollar.
 *
 * Budgets: the organisation (hard cap), every team (the two largest capped),
 * every agent (every other one capped). Limits are this month's spend so far
 * plus a margin far above what the run can reserve (at most rate × seconds ×
 * $0.05), so every answer must be a grant: a refusal is an error here.
 */
import type http from "node:http";
import type pg from "pg";
import { send, type Target } from "../lib/load";

export interface BudgetAgent {
  name: string;
  team: string | null;
}

const HARD_CAPPED_TEAMS = new Set(["payments", "support"]);
const MONTH_START = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);

/** What was set: budgets by scope, and how many budgets apply to each agent (what each check must list). */
export interface BudgetSetup {
  organisation: number;
  teams: number;
  agents: number;
  hardCapped: number;
  applying: Map<string, number>;
  ms: number;
}

export async function createBudgets(client: pg.Client, port: number, agentPool: http.Agent, adminKey: string, agents: BudgetAgent[], now: Date): Promise<BudgetSetup> {
  const started = performance.now();
  const spent = async (where: string, value: string | null) => {
    const { rows } = await client.query<{ spent: string }>(
      `SELECT coalesce(sum(m."costUsd"), 0)::text AS spent FROM "SpendMonthly" m WHERE m.month = $1::date ${where}`,
      value === null ? [MONTH_START(now)] : [MONTH_START(now), value],
    );
    return Number(rows[0]!.spent);
  };
  const limit = (spentUsd: number, margin: number) => Math.ceil(spentUsd * 2 + margin);
  const post = async (body: Record<string, unknown>) => {
    const answer = await send(agentPool, port, {
      path: "/api/v1/budgets",
      method: "POST",
      headers: { Authorization: `Bearer ${adminKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ thresholds: [50, 80, 100], reason: "spend benchmark", ...body }),
    });
    if (answer.status !== 201) throw new Error(`POST /api/v1/budgets ${JSON.stringify(body)} answered ${answer.status} ${answer.body.toString().slice(0, 300)}`);
  };
  let hardCapped = 0;
  await post({ scope: "organisation", monthlyLimitUsd: limit(await spent("", null), 50_000), hardCap: true });
  hardCapped++;
  const teams = [...new Set(agents.map((a) => a.team).filter((t): t is string => t !== null))];
  for (const team of teams) {
    const capped = HARD_CAPPED_TEAMS.has(team);
    await post({
      scope: "team",
      team,
      monthlyLimitUsd: limit(await spent(`AND m."teamId" = (SELECT id FROM "Team" WHERE name = $2)`, team), 20_000),
      hardCap: capped,
    });
    if (capped) hardCapped++;
  }
  for (const [i, agent] of agents.entries()) {
    const capped = i % 2 === 0;
    await post({
      scope: "agent",
      agent: agent.name,
      monthlyLimitUsd: limit(await spent(`AND m."agentId" = (SELECT id FROM "Agent" WHERE name = $2)`, agent.name), 1_000),
      hardCap: capped,
    });
    if (capped) hardCapped++;
  }
  const applying = new Map(agents.map((a) => [a.name, a.team ? 3 : 2]));
  return { organisation: 1, teams: teams.length, agents: agents.length, hardCapped, applying, ms: performance.now() - started };
}

/** The n-th request's estimate, in micro-dollars: $0.010–$0.050 (6 decimals, as reservations are stored). */
export const estimateMicros = (n: number) => 10_000 + (n % 41) * 1_000;
const usd = (micros: number) => (micros / 1e6).toFixed(6);

interface CheckBody {
  allowed?: unknown;
  budgets?: unknown[];
  id?: unknown;
}

export function checkTarget(agents: BudgetAgent[], key: string, setup: BudgetSetup, label: string): Target {
  return {
    label,
    request: (n) => {
      const agent = agents[n % agents.length]!;
      return { path: `/api/v1/budgets/check?agent=${encodeURIComponent(agent.name)}&estimatedCostUsd=${usd(estimateMicros(n))}`, headers: { Authorization: `Bearer ${key}` } };
    },
    checkEvery: 1,
    check: (status, body, _headers, n) => {
      if (status !== 200) return `status ${status} ${body?.toString().slice(0, 200) ?? ""}`;
      const answer = JSON.parse(body!.toString()) as CheckBody;
      const agent = agents[n % agents.length]!;
      if (answer.allowed !== true) return `refused: ${body!.toString().slice(0, 200)}`;
      if (answer.budgets?.length !== setup.applying.get(agent.name)) return `${answer.budgets?.length} budgets for ${agent.name}, not ${setup.applying.get(agent.name)}`;
      return null;
    },
  };
}

/**
 * What the reservation phases asked and were answered, for the reckoning: every request (phase and number → its
 * estimate in micro-dollars), those answered at all, and the grants (reservation id → estimate). A request the
 * load generator gave up on (no answer within its timeout) may still have been stored by the server.
 */
export interface ReservationLedger {
  attempts: Map<string, number>;
  answered: Set<string>;
  grants: Map<string, number>;
}

export const newLedger = (): ReservationLedger => ({ attempts: new Map(), answered: new Set(), grants: new Map() });

/** `phase` (a small number) tells the requests of one phase from another's: each numbers its requests from 0. */
export function reservationTarget(agents: BudgetAgent[], key: string, ttlSeconds: number, ledger: ReservationLedger, phase: number): Target {
  return {
    label: "POST /api/v1/budgets/reservations",
    request: (n) => {
      ledger.attempts.set(`${phase}:${n}`, estimateMicros(n));
      return {
        path: "/api/v1/budgets/reservations",
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          agent: agents[n % agents.length]!.name,
          estimatedCostUsd: estimateMicros(n) / 1e6,
          traceId: (phase * 1e9 + n + 1).toString(16).padStart(32, "0"),
          ttlSeconds,
        }),
      };
    },
    checkEvery: 1,
    check: (status, body, _headers, n) => {
      ledger.answered.add(`${phase}:${n}`);
      if (status !== 201) return `status ${status} ${body?.toString().slice(0, 200) ?? ""}`;
      const answer = JSON.parse(body!.toString()) as CheckBody;
      if (answer.allowed !== true || typeof answer.id !== "string") return `body ${body!.toString().slice(0, 200)}`;
      ledger.grants.set(answer.id, estimateMicros(n));
      return null;
    },
  };
}

export interface ReservationReckoning {
  granted: number;
  grantedUsd: string;
  /** Requests never answered (client timeout): each may or may not have been stored. */
  unanswered: number;
  unansweredUsd: string;
  stored: number;
  storedUsd: string;
  grantedIdsStored: number;
  /** Open (not settled, not expired) at the reckoning. */
  open: number;
  /** Every grant stored, and nothing stored beyond the grants and the unanswered requests. */
  ok: boolean;
  /** Stored = granted exactly (count and total): what `ok` means when every request was answered. */
  exact: boolean;
}

const usdOfMicros = (micros: number) => `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;

/** The reservations in the database against the answers: every granted id stored, the count and total within what was asked. */
export async function reckonReservations(client: pg.Client, ledger: ReservationLedger): Promise<ReservationReckoning> {
  const grantedMicros = [...ledger.grants.values()].reduce((sum, micros) => sum + micros, 0);
  const unanswered = [...ledger.attempts].filter(([k]) => !ledger.answered.has(k));
  const unansweredMicros = unanswered.reduce((sum, [, micros]) => sum + micros, 0);
  const { rows } = await client.query<{ n: number; total: string; open: number }>(
    `SELECT count(*)::int AS n, coalesce(sum("estimatedCostUsd"), 0)::numeric(20, 6)::text AS total,
       (count(*) FILTER (WHERE "settledAt" IS NULL AND "expiresAt" > (now() AT TIME ZONE 'UTC')))::int AS open
     FROM "BudgetReservation"`,
  );
  const { rows: found } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "BudgetReservation" WHERE id = ANY($1::text[])`, [[...ledger.grants.keys()]]);
  const stored = rows[0]!;
  const storedMicros = Number(stored.total.replace(".", ""));
  const granted = ledger.grants.size;
  const allGrantsStored = found[0]!.n === granted;
  return {
    granted,
    grantedUsd: usdOfMicros(grantedMicros),
    unanswered: unanswered.length,
    unansweredUsd: usdOfMicros(unansweredMicros),
    stored: stored.n,
    storedUsd: stored.total,
    grantedIdsStored: found[0]!.n,
    open: stored.open,
    ok: allGrantsStored && stored.n >= granted && stored.n <= granted + unanswered.length && storedMicros >= grantedMicros && storedMicros <= grantedMicros + unansweredMicros,
    exact: allGrantsStored && stored.n === granted && storedMicros === grantedMicros,
  };
}
