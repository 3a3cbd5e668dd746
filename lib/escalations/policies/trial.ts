/**
 * Trying a policy against history before it is saved: "over the last 30 days
 * this policy would have stopped 42 tool calls of 3 agents", with examples,
 * from the stored TOOL_CALL steps, weighed by the same matcher the clearance
 * API uses (match.ts).
 *
 * Bounded: it reads the newest TRIAL_SCAN_LIMIT tool calls of the window (two
 * index range scans on Step(kind, status, startedAt), newest first), filters
 * them by scope and tool pattern in SQL, and says when it stopped short of the
 * window's start. What history cannot say is taken as it is now: the agents'
 * autonomy levels and budgets; a call's confidence is that of the run's
 * latest decision step at or before it (read only when the policy asks for a
 * minimum); a call loops when the step or its run was flagged looping.
 */
import "server-only";
import { readQuery } from "@/lib/db";
import { checkBudget } from "@/lib/spend/budgets/reservations";
import { matchReasons, type CallFacts } from "./match";
import type { PolicyState } from "./schemas";

export const TRIAL_DAYS = 30;
export const TRIAL_SCAN_LIMIT = 20_000;
const MAX_EXAMPLES = 10;
const MAX_BUDGET_AGENTS = 50;

export interface TrialExample {
  stepId: string;
  runId: string;
  agent: string;
  tool: string;
  arguments: unknown;
  at: string;
  reasons: string[];
}

export interface TrialResult {
  days: number;
  from: string;
  to: string;
  /** Tool calls read (at most TRIAL_SCAN_LIMIT) and whether the window had more. */
  scanned: number;
  truncated: boolean;
  /** The oldest call read: the trial covers from here when truncated. */
  coveredFrom: string | null;
  inScope: number;
  stopped: number;
  agents: number;
  byAgent: { agent: string; calls: number }[];
  examples: TrialExample[];
  /** One sentence for the form. */
  summary: string;
}

/** A glob (`*` any characters) as a LIKE pattern. */
export function globToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, "%");
}

interface CallRow {
  id: string;
  runId: string;
  tool: string;
  arguments: unknown;
  startedAt: Date;
  looping: boolean;
  agent: string | null;
  team: string | null;
  autonomyLevel: number | null;
  confidence: number | null;
}

const sql = (withConfidence: boolean) => `
  WITH newest AS (
    (SELECT s."id", s."runId", s."tool", s."arguments", s."startedAt", s."flagLoop" FROM "Step" s
     WHERE s."kind" = 'TOOL_CALL' AND s."status" = 'OK' AND s."startedAt" >= $1::timestamp AND s."startedAt" <= $2::timestamp
     ORDER BY s."startedAt" DESC LIMIT $3)
    UNION ALL
    (SELECT s."id", s."runId", s."tool", s."arguments", s."startedAt", s."flagLoop" FROM "Step" s
     WHERE s."kind" = 'TOOL_CALL' AND s."status" = 'FAILED' AND s."startedAt" >= $1::timestamp AND s."startedAt" <= $2::timestamp
     ORDER BY s."startedAt" DESC LIMIT $3)
  ), scanned AS (
    SELECT * FROM newest ORDER BY "startedAt" DESC LIMIT $3
  ), stats AS (
    SELECT count(*)::int AS "scanned", (min("startedAt") AT TIME ZONE 'UTC') AS "oldest" FROM scanned
  )
  SELECT c."id", c."runId", c."tool", c."arguments", (c."startedAt" AT TIME ZONE 'UTC') AS "startedAt",
         (c."flagLoop" OR r."flagLoop") AS "looping", a."name" AS "agent", t."name" AS "team", a."autonomyLevel",
         ${withConfidence
           ? `(SELECT (d."decision"->>'confidence')::float8 FROM "Step" d
               WHERE d."runId" = c."runId" AND d."kind" = 'DECISION' AND d."startedAt" <= c."startedAt" AND jsonb_typeof(d."decision"->'confidence') = 'number'
               ORDER BY d."startedAt" DESC LIMIT 1)`
           : "NULL::float8"} AS "confidence",
         st."scanned", st."oldest"
  FROM stats st
  LEFT JOIN scanned c ON true
  LEFT JOIN "Run" r ON r."id" = c."runId"
  LEFT JOIN "Agent" a ON a."id" = r."agentId"
  LEFT JOIN "Team" t ON t."id" = COALESCE(r."teamId", a."teamId")
  WHERE c."id" IS NULL OR (
        c."tool" IS NOT NULL
    AND ($4::text IS NULL OR c."tool" LIKE $4 ESCAPE '\\')
    AND ($5::text IS NULL OR a."name" = $5)
    AND ($6::text IS NULL OR t."name" = $6))
  ORDER BY c."startedAt" DESC`;

/** The newest calls first; `now` pins the window in tests. */
export async function tryPolicy(policy: PolicyState, now = new Date()): Promise<TrialResult> {
  const from = new Date(now.getTime() - TRIAL_DAYS * 86_400_000);
  const rows = await readQuery<CallRow & { scanned: number; oldest: Date | null }>(sql(policy.minConfidence !== null), [
    from.toISOString(),
    now.toISOString(),
    TRIAL_SCAN_LIMIT,
    policy.toolPattern === null ? null : globToLike(policy.toolPattern),
    policy.agent,
    policy.team,
  ]);
  const scanned = rows[0]?.scanned ?? 0;
  const oldest = rows[0]?.oldest ?? null;
  const calls = rows.filter((r) => r.id !== null && r.agent !== null) as CallRow[];

  const budgets = new Map<string, string | null>();
  if (policy.onBudgetExceeded) {
    const agents = [...new Set(calls.map((c) => c.agent!))].slice(0, MAX_BUDGET_AGENTS);
    await Promise.all(
      agents.map(async (agent) => {
        const answer = await checkBudget(agent, 0).catch(() => null);
        const over = answer?.budgets.find((b) => b.exceeded);
        budgets.set(agent, over ? `the agent is over a ${over.scope} budget (as it is now)` : null);
      }),
    );
  }

  const byAgent = new Map<string, number>();
  const examples: TrialExample[] = [];
  let stopped = 0;
  for (const call of calls) {
    const facts: CallFacts = {
      agent: call.agent!,
      team: call.team,
      autonomyLevel: call.autonomyLevel,
      tool: call.tool,
      arguments: (call.arguments ?? {}) as CallFacts["arguments"],
      confidence: call.confidence,
      looping: call.looping,
      overBudget: budgets.get(call.agent!) ?? null,
    };
    const reasons = matchReasons({ ...policy, enabled: true }, facts);
    if (reasons.length === 0) continue;
    stopped += 1;
    byAgent.set(call.agent!, (byAgent.get(call.agent!) ?? 0) + 1);
    if (examples.length < MAX_EXAMPLES) {
      examples.push({ stepId: call.id, runId: call.runId, agent: call.agent!, tool: call.tool, arguments: call.arguments, at: new Date(call.startedAt).toISOString(), reasons });
    }
  }
  const truncated = scanned >= TRIAL_SCAN_LIMIT;
  const agents = byAgent.size;
  const span = truncated && oldest ? `since ${new Date(oldest).toISOString().slice(0, 10)} (the latest ${TRIAL_SCAN_LIMIT.toLocaleString("en-US")} tool calls)` : `over the last ${TRIAL_DAYS} days`;
  const summary =
    stopped === 0
      ? `${span[0]!.toUpperCase()}${span.slice(1)} this policy would have stopped no tool call (of ${scanned.toLocaleString("en-US")} read).`
      : `${span[0]!.toUpperCase()}${span.slice(1)} this policy would have stopped ${stopped.toLocaleString("en-US")} tool call${stopped === 1 ? "" : "s"} of ${agents} agent${agents === 1 ? "" : "s"}.`;
  return {
    days: TRIAL_DAYS,
    from: from.toISOString(),
    to: now.toISOString(),
    scanned,
    truncated,
    coveredFrom: oldest ? new Date(oldest).toISOString() : null,
    inScope: calls.length,
    stopped,
    agents,
    byAgent: [...byAgent].map(([agent, n]) => ({ agent, calls: n })).sort((a, b) => b.calls - a.calls || a.agent.localeCompare(b.agent)),
    examples,
    summary,
  };
}
