/**
 * The hot path: writes mapped steps, their runs, run totals and the daily
 * spend rollup, inside the caller's transaction, with bulk `unnest` SQL.
 *
 * Correct under real delivery:
 * - Steps are inserted with `ON CONFLICT ("traceId","spanId") DO NOTHING`; run
 *   totals (same statement) and the spend rollup are computed from the rows
 *   that were actually inserted: a re-sent span is stored and counted once.
 * - Runs are upserted with additive totals and LEAST/GREATEST times, so
 *   children before parents, or one trace spread over many requests and app
 *   instances, end in the same run as one ordered batch. The upsert locks the
 *   run rows (in trace id order, so concurrent requests cannot deadlock), which
 *   serialises writers of the same run and nothing else.
 * - Only "billable" steps count towards tokens and cost: LLM calls, and other
 *   steps carrying their own cost (never AGENT spans, whose usage is usually
 *   the sum of their children's).
 * - A run is flagged escalated when it has an ESCALATION step or its root span
 *   says `flightdeck.run.escalated=true`; while it has not ended and its latest
 *   step is an escalation with `flightdeck.escalation.status=pending`, its
 *   status is ESCALATED (waiting for clearance: the stall sweep leaves it
 *   alone); a later step brings it back to RUNNING, its root span ends it.
 *
 * Speed (bench/README.md): the run upsert and the step insert, the two big
 * statements, go straight to the transaction's pg connection when the caller
 * has it (`transactionWithConnection`), each with ONE JSON parameter expanded
 * by `jsonb_to_recordset` on the server: no per-column arrays, no array-literal
 * escaping, no JSON-in-JSON double encoding, and none of Prisma's raw-query
 * parameter pipeline (~30 ms of CPU per 1,000 steps). The price table and the
 * redaction settings are reused across requests while their version (one
 * cheap statement) is unchanged.
 */
import type pg from "pg";
import type { Tx } from "@/lib/db";
import { computeCost, loadPriceTable, PRICE_TABLE_VERSION_SQL, type PriceTable } from "@/lib/spend/prices/pricing";
import { DEFAULT_LOOP_THRESHOLD, detectLoops } from "@/lib/runs/loops";
import { DEFAULT_STALL_MINUTES } from "@/lib/runs/stalls";
import { loadRedactor, REDACTION_ENABLED_KEY, type Redactor } from "@/lib/redaction/redactor";
import { newId } from "./ids";
import type { JsonValue, StepDraft } from "./types";

/** The transaction's own pg connection, or null: then the same SQL goes through Prisma's `tx`. */
export type Connection = pg.PoolClient | null;

/** A JSON document sent as a `$n::jsonb` parameter. */
class JsonPayload {
  constructor(readonly text: string) {}
}

function jsonbBinary(text: string): Buffer {
  const buffer = Buffer.allocUnsafe(Buffer.byteLength(text) + 1);
  buffer[0] = 1;
  buffer.write(text, 1);
  return buffer;
}

async function query<R extends object>(tx: Tx, connection: Connection, text: string, values: unknown[]): Promise<R[]> {
  if (connection) {
    // pg sends a Buffer in binary format, which for jsonb is a version byte (1) and the UTF-8 text:
    // one fast write instead of the socket encoding a megabyte-long string.
    const params = values.map((v) => (v instanceof JsonPayload ? jsonbBinary(v.text) : v));
    return (await connection.query<R>(text, params)).rows;
  }
  return tx.$queryRawUnsafe<R[]>(text, ...values.map((v) => (v instanceof JsonPayload ? v.text : v)));
}

export interface StoreResult {
  /** Steps newly stored. */
  stored: number;
  /** Steps already stored before (re-sent), or repeated in this batch. */
  duplicates: number;
  runIds: string[];
  createdTeams: string[];
  createdAgents: string[];
  /** The spend rollup increments of the stored steps; apply with `applySpendRollup` just before the audit event. */
  spend: SpendRow[];
  /**
   * What the run analysis still has to do (`analyzeRuns` options), the rest being done here:
   * stalled runs that got a step are already RUNNING again (run upsert), loops of runs created by
   * this batch are already flagged (all their steps are in it), so loop detection is only needed
   * for runs that existed and received tool calls or decisions; evaluators only when an agent has some.
   */
  analysis: { loopRunIds: string[]; evaluators: boolean };
}

interface SpendKey {
  /** YYYY-MM-DD, UTC. */
  day: string;
  teamId: string;
  agentId: string;
  model: string;
  promptName: string;
  promptVersion: number;
}

export interface SpendRow extends SpendKey {
  calls: number;
  unpricedCalls: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
}

export const EMPTY_STORE_RESULT: StoreResult = {
  stored: 0,
  duplicates: 0,
  runIds: [],
  createdTeams: [],
  createdAgents: [],
  spend: [],
  analysis: { loopRunIds: [], evaluators: false },
};

/**
 * Adds the increments to SpendDaily. Its rows are shared by every request of a
 * day, team, agent and model, so an upsert holds their locks until commit:
 * run it last before the audit event (which serialises commits anyway), and
 * in key order (the statement's ORDER BY, the same for every request) so
 * concurrent requests cannot deadlock.
 */
export async function applySpendRollup(tx: Tx, rows: SpendRow[], connection: Connection = null): Promise<void> {
  if (rows.length === 0) return;
  const payload = JSON.stringify(rows.map((r) => ({ ...r, costUsd: r.costUsd.toFixed(9) })));
  await query(
    tx,
    connection,
    `INSERT INTO "SpendDaily" (day, "teamId", "agentId", model, "promptName", "promptVersion", calls, "unpricedCalls",
                              "inputTokens", "outputTokens", "cachedInputTokens", "costUsd")
    SELECT day, "teamId", "agentId", model, "promptName", "promptVersion", calls, "unpricedCalls",
           "inputTokens", "outputTokens", "cachedInputTokens", "costUsd"
    FROM jsonb_to_recordset($1::jsonb) AS v(day date, "teamId" text, "agentId" text, model text, "promptName" text,
         "promptVersion" int4, calls int4, "unpricedCalls" int4, "inputTokens" int8, "outputTokens" int8, "cachedInputTokens" int8,
         "costUsd" numeric)
    ORDER BY day, "teamId", "agentId", model, "promptName", "promptVersion"
    ON CONFLICT (day, "teamId", "agentId", model, "promptName", "promptVersion") DO UPDATE SET
      calls = "SpendDaily".calls + EXCLUDED.calls,
      "unpricedCalls" = "SpendDaily"."unpricedCalls" + EXCLUDED."unpricedCalls",
      "inputTokens" = "SpendDaily"."inputTokens" + EXCLUDED."inputTokens",
      "outputTokens" = "SpendDaily"."outputTokens" + EXCLUDED."outputTokens",
      "cachedInputTokens" = "SpendDaily"."cachedInputTokens" + EXCLUDED."cachedInputTokens",
      "costUsd" = "SpendDaily"."costUsd" + EXCLUDED."costUsd"`,
    [new JsonPayload(payload)],
  );
}

interface Named {
  id: string;
  name: string;
  teamId: string | null;
  loopThreshold: number | null;
}

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** Versions of the price table and of the redaction settings, in one statement. */
const CONFIG_VERSION_SQL = `SELECT (${PRICE_TABLE_VERSION_SQL}) AS prices,
  (SELECT md5(COALESCE((SELECT value::text FROM "Setting" WHERE key = $1), '') || '|' || COALESCE(string_agg(r::text, ',' ORDER BY r.id), ''))
   FROM "RedactionRule" r) AS redaction,
  EXISTS (SELECT 1 FROM "Agent" a JOIN "AgentConfigVersion" cv ON cv.id = a."currentConfigId"
          WHERE jsonb_typeof(cv.evaluators) = 'array' AND jsonb_array_length(cv.evaluators) > 0) AS evaluators`;

const globalForRedactor = globalThis as unknown as { flightdeckRedactor?: { version: string; redactor: Redactor } };

/** The price table and the redactor, rebuilt only when an admin changed prices or redaction (any instance). */
async function loadIngestConfig(
  tx: Tx,
  connection: Connection,
): Promise<{ prices: PriceTable; redactor: Redactor; evaluators: boolean }> {
  const [versions] = await query<{ prices: string; redaction: string; evaluators: boolean }>(tx, connection, CONFIG_VERSION_SQL, [
    REDACTION_ENABLED_KEY,
  ]);
  const prices = await loadPriceTable(tx, versions!.prices);
  let cached = globalForRedactor.flightdeckRedactor;
  if (cached?.version !== versions!.redaction) {
    cached = { version: versions!.redaction, redactor: await loadRedactor(tx) };
    globalForRedactor.flightdeckRedactor = cached;
  }
  return { prices, redactor: cached.redactor, evaluators: versions!.evaluators };
}

/** Creates the teams not seen before; returns name → id for all of them. */
export async function resolveTeams(
  tx: Tx,
  names: string[],
  connection: Connection = null,
): Promise<{ ids: Map<string, string>; created: string[] }> {
  const ids = new Map<string, string>();
  if (names.length === 0) return { ids, created: [] };
  const sorted = [...names].sort();
  const rows = await query<{ id: string; name: string; created: boolean }>(
    tx,
    connection,
    `WITH input AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(id, name)),
    ins AS (
      INSERT INTO "Team" (id, name) SELECT id, name FROM input ORDER BY name
      ON CONFLICT (name) DO NOTHING RETURNING id, name
    )
    SELECT id, name, true AS created FROM ins
    UNION ALL SELECT t.id, t.name, false FROM "Team" t JOIN input i ON i.name = t.name`,
    [sorted.map(() => newId()), sorted],
  );
  const created: string[] = [];
  for (const r of rows) {
    ids.set(r.name, r.id);
    if (r.created) created.push(r.name);
  }
  // A team committed by a concurrent request after this statement's snapshot: read it again.
  const missing = sorted.filter((n) => !ids.has(n));
  if (missing.length) {
    for (const r of await tx.team.findMany({ where: { name: { in: missing } }, select: { id: true, name: true } })) ids.set(r.name, r.id);
  }
  return { ids, created };
}

/** Creates the agents not seen before (in their team); gives a team to known agents that had none. */
export async function resolveAgents(
  tx: Tx,
  wanted: Map<string, string | null>,
  connection: Connection = null,
): Promise<{ agents: Map<string, Named>; created: string[] }> {
  const agents = new Map<string, Named>();
  if (wanted.size === 0) return { agents, created: [] };
  const names = [...wanted.keys()].sort();
  const rows = await query<Named & { created: boolean }>(
    tx,
    connection,
    `WITH input AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, name, "teamId")
    ),
    ins AS (
      INSERT INTO "Agent" (id, name, "teamId", "updatedAt") SELECT id, name, "teamId", now() FROM input ORDER BY name
      ON CONFLICT (name) DO NOTHING RETURNING id, name, "teamId", "loopThreshold"
    )
    SELECT id, name, "teamId", "loopThreshold", true AS created FROM ins
    UNION ALL SELECT a.id, a.name, a."teamId", a."loopThreshold", false FROM "Agent" a JOIN input i ON i.name = a.name`,
    [names.map(() => newId()), names, names.map((n) => wanted.get(n) ?? null)],
  );
  const created: string[] = [];
  for (const r of rows) {
    agents.set(r.name, { id: r.id, name: r.name, teamId: r.teamId, loopThreshold: r.loopThreshold });
    if (r.created) created.push(r.name);
  }
  const missing = names.filter((n) => !agents.has(n));
  if (missing.length) {
    const found = await tx.agent.findMany({
      where: { name: { in: missing } },
      select: { id: true, name: true, teamId: true, loopThreshold: true },
    });
    for (const r of found) agents.set(r.name, r);
  }
  const adopt = [...agents.values()].filter((a) => a.teamId === null && wanted.get(a.name));
  for (const agent of adopt) {
    agent.teamId = wanted.get(agent.name) ?? null;
    // Only rows still without a team are touched (and locked).
    await tx.agent.updateMany({ where: { id: agent.id, teamId: null }, data: { teamId: agent.teamId } });
  }
  return { agents, created };
}

function isBillable(step: StepDraft): boolean {
  return step.kind === "LLM_CALL" || (step.carriedCostUsd !== null && step.kind !== "AGENT");
}

export async function storeSteps(tx: Tx, input: StepDraft[], connection: Connection = null): Promise<StoreResult> {
  // Repeats inside one batch: the first copy wins, as it would across batches.
  const seen = new Set<string>();
  const steps = input.filter((s) => {
    const key = `${s.traceId}:${s.spanId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (steps.length === 0) return { ...EMPTY_STORE_RESULT, duplicates: input.length };

  // One row per trace, as one ordered batch would give: the root span (no parent) names the run and ends it.
  interface RunRow {
    id: string;
    traceId: string;
    name: string | null;
    agentName: string | null;
    serviceName: string | null;
    teamName: string | null;
    conversationId: string | null;
    status: "RUNNING" | "SUCCEEDED" | "FAILED" | "ESCALATED";
    startedAt: Date;
    endedAt: Date | null;
    lastStepAt: Date;
    outcome: string;
    outcomeImpact: string | null;
    escalated: boolean;
    /** Start of the latest pending escalation step, and of the latest other step (non-root). */
    pendingEscalationAt: number;
    latestOtherStartAt: number;
  }
  const runs = new Map<string, RunRow>();
  for (const s of steps) {
    const last = s.endedAt ?? s.startedAt;
    let run = runs.get(s.traceId);
    if (!run) {
      run = {
        id: newId(),
        traceId: s.traceId,
        name: null,
        agentName: s.agentName,
        serviceName: s.serviceName,
        teamName: s.teamName,
        conversationId: s.conversationId,
        status: "RUNNING",
        startedAt: s.startedAt,
        endedAt: null,
        lastStepAt: last,
        outcome: "UNKNOWN",
        outcomeImpact: null,
        escalated: false,
        pendingEscalationAt: -Infinity,
        latestOtherStartAt: -Infinity,
      };
      runs.set(s.traceId, run);
    }
    if (s.startedAt < run.startedAt) run.startedAt = s.startedAt;
    if (last > run.lastStepAt) run.lastStepAt = last;
    run.agentName ??= s.agentName;
    run.serviceName ??= s.serviceName;
    run.teamName ??= s.teamName;
    run.conversationId ??= s.conversationId;
    if (s.runOutcome && s.runOutcome !== "UNKNOWN") run.outcome = s.runOutcome;
    run.outcomeImpact = s.runOutcomeImpact ?? run.outcomeImpact;
    if (s.kind === "ESCALATION") {
      run.escalated = true;
      if (s.attributes["flightdeck.escalation.status"] === "pending") run.pendingEscalationAt = Math.max(run.pendingEscalationAt, s.startedAt.getTime());
      else run.latestOtherStartAt = Math.max(run.latestOtherStartAt, s.startedAt.getTime());
    } else if (s.parentSpanId !== null) {
      run.latestOtherStartAt = Math.max(run.latestOtherStartAt, s.startedAt.getTime());
    }
    if (s.parentSpanId === null && s.attributes["flightdeck.run.escalated"] === true) run.escalated = true;
    if (s.parentSpanId === null && s.endedAt !== null && (run.endedAt === null || s.endedAt >= run.endedAt)) {
      run.name = s.name;
      run.endedAt = s.endedAt;
      run.status = s.status === "FAILED" ? "FAILED" : "SUCCEEDED";
      run.agentName = s.agentName ?? run.agentName;
      run.serviceName = s.serviceName ?? run.serviceName;
      run.teamName = s.teamName ?? run.teamName;
    }
  }
  for (const run of runs.values()) {
    run.agentName ??= run.serviceName;
    // Still open, and nothing happened after asking for clearance: waiting for it.
    if (run.endedAt === null && run.pendingEscalationAt >= run.latestOtherStartAt) run.status = "ESCALATED";
  }

  // Agents and teams seen for the first time are created; an agent joins the first team seen with it.
  const teamNames = new Set<string>();
  const agentTeams = new Map<string, string | null>();
  const wantAgent = (agent: string | null, team: string | null) => {
    if (team) teamNames.add(team);
    if (agent && !agentTeams.get(agent)) agentTeams.set(agent, team);
  };
  for (const s of steps) wantAgent(s.agentName ?? runs.get(s.traceId)!.agentName, s.teamName);
  for (const run of runs.values()) wantAgent(run.agentName, run.teamName);
  const teams = await resolveTeams(tx, [...teamNames], connection);
  const agentWanted = new Map([...agentTeams].map(([name, team]) => [name, team ? (teams.ids.get(team) ?? null) : null]));
  const agents = await resolveAgents(tx, agentWanted, connection);
  // One transaction is one connection: its queries run one after another anyway.
  const { prices, redactor, evaluators } = await loadIngestConfig(tx, connection);

  const runRows = [...runs.values()].sort((x, y) => (x.traceId < y.traceId ? -1 : 1));
  const agentOf = (name: string | null) => (name ? agents.agents.get(name) : undefined);
  const teamOf = (teamName: string | null, agentName: string | null) =>
    (teamName ? teams.ids.get(teamName) : undefined) ?? agentOf(agentName)?.teamId ?? null;

  /** What the spend rollup needs of each step row, by the row's id. */
  interface SpendSource extends SpendKey {
    unpriced: boolean;
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens: number;
    costUsd: number;
  }
  /** A run's totals over the steps of this batch (the same rule as the SQL of the previous version). */
  interface Totals {
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens: number;
    /** Exact: each cost has 9 decimals at most. */
    costNano: number;
    stepCount: number;
    failedStepCount: number;
    unpricedCount: number;
    flagToolFailure: boolean;
  }
  const newTotals = (): Totals => ({
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    costNano: 0,
    stepCount: 0,
    failedStepCount: 0,
    unpricedCount: 0,
    flagToolFailure: false,
  });
  const addTotals = (t: Totals, s: StepDraft, costText: string | null, unpriced: boolean): void => {
    t.stepCount += 1;
    if (s.status === "FAILED") t.failedStepCount += 1;
    if (unpriced) t.unpricedCount += 1;
    if (s.kind === "TOOL_CALL" && s.status === "FAILED") t.flagToolFailure = true;
    // "Billable": LLM calls, and other non-AGENT steps with a cost (isBillable).
    if (s.kind === "LLM_CALL" || (costText !== null && s.kind !== "AGENT")) {
      t.inputTokens += s.inputTokens ?? 0;
      t.outputTokens += s.outputTokens ?? 0;
      t.cachedInputTokens += s.cachedInputTokens ?? 0;
      if (costText !== null) t.costNano += Number(costText.replace(".", ""));
    }
  };
  const totalsByTrace = new Map<string, Totals>();
  const billableRows = new Map<string, SpendSource>();
  // Rows are complete but for runId (known after the run upsert) and flagLoop.
  const rows = steps.map((s) => {
    let cost: number | null = s.carriedCostUsd;
    let unpriced = false;
    if (cost === null && s.kind === "LLM_CALL") {
      const price = s.model ? prices.find(s.model, s.startedAt) : null;
      if (price) {
        cost = computeCost(price, {
          inputTokens: s.inputTokens ?? 0,
          outputTokens: s.outputTokens ?? 0,
          cachedInputTokens: s.cachedInputTokens ?? 0,
        });
      } else {
        unpriced = true;
      }
    }
    const costUsd = cost === null ? null : cost.toFixed(9);
    let totals = totalsByTrace.get(s.traceId);
    if (!totals) totalsByTrace.set(s.traceId, (totals = newTotals()));
    addTotals(totals, s, costUsd, unpriced);
    let redactions = 0;
    const redact = (value: JsonValue | null): JsonValue | null => {
      if (value === null || !redactor.enabled) return value;
      const r = redactor.redact(value);
      redactions += r.count;
      return r.value;
    };
    const run = runs.get(s.traceId)!;
    const agentName = s.agentName ?? run.agentName;
    const id = newId();
    const startedAt = s.startedAt.toISOString();
    if (isBillable(s)) {
      billableRows.set(id, {
        day: startedAt.slice(0, 10),
        teamId: teamOf(s.teamName ?? run.teamName, agentName) ?? "",
        agentId: agentOf(agentName)?.id ?? "",
        model: s.model ?? "",
        promptName: s.promptName ?? "",
        promptVersion: s.promptVersion ?? 0,
        unpriced,
        inputTokens: s.inputTokens ?? 0,
        outputTokens: s.outputTokens ?? 0,
        cachedInputTokens: s.cachedInputTokens ?? 0,
        costUsd: cost ?? 0,
      });
    }
    // JSON values stay values: the whole batch is serialised once, below.
    return {
      id,
      runId: "",
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      kind: s.kind,
      name: s.name,
      status: s.status,
      error: s.error,
      startedAt,
      endedAt: iso(s.endedAt),
      model: s.model,
      provider: s.provider,
      inputTokens: s.inputTokens,
      outputTokens: s.outputTokens,
      cachedInputTokens: s.cachedInputTokens,
      costUsd,
      unpriced,
      promptName: s.promptName,
      promptVersion: s.promptVersion,
      tool: s.tool,
      arguments: redact(s.arguments),
      result: redact(s.result),
      decision: s.decision,
      inputMessages: redact(s.inputMessages),
      outputMessages: redact(s.outputMessages),
      attributes: s.attributes,
      redactions,
      flagLoop: false,
    };
  });

  // Loops of a run this batch creates: all its steps are here (a concurrent writer of the same trace waits
  // on the new run's row lock), so the pure rule over the stored (redacted) values decides them now.
  // They are used only if the upsert inserts the run; an existing run goes through flagLoops afterwards.
  const loopingSteps = new Set<string>();
  const loopingTraces = new Set<string>();
  const loopCandidates = new Map<string, typeof rows>();
  for (const row of rows) {
    if (row.kind !== "TOOL_CALL" && row.kind !== "DECISION") continue;
    const list = loopCandidates.get(row.traceId);
    if (list) list.push(row);
    else loopCandidates.set(row.traceId, [row]);
  }
  for (const [traceId, candidates] of loopCandidates) {
    const run = runs.get(traceId)!;
    const looping = detectLoops(candidates, agentOf(run.agentName)?.loopThreshold ?? DEFAULT_LOOP_THRESHOLD);
    if (looping.size === 0) continue;
    loopingTraces.add(traceId);
    for (const id of looping) loopingSteps.add(id);
  }

  // A run's status only moves when its root span arrives, or between RUNNING and ESCALATED (see the
  // module comment); until then later batches keep what is there. A stalled run that receives a step
  // recent enough goes back to RUNNING (flagStall stays), as `resumeStalledRuns` does.
  // A new run is written once, with its totals; an existing one gets them added (corrected below
  // for steps the insert skips as already stored).
  const runPayload = JSON.stringify(
    runRows.map((r) => {
      const t = totalsByTrace.get(r.traceId)!;
      return {
        id: r.id,
        traceId: r.traceId,
        name: r.name,
        agentId: agentOf(r.agentName)?.id ?? null,
        teamId: teamOf(r.teamName, r.agentName),
        conversationId: r.conversationId,
        status: r.status,
        startedAt: r.startedAt.toISOString(),
        endedAt: iso(r.endedAt),
        lastStepAt: r.lastStepAt.toISOString(),
        outcome: r.outcome,
        outcomeImpact: r.outcomeImpact,
        flagEscalated: r.escalated,
        flagLoop: loopingTraces.has(r.traceId),
        ...t,
      };
    }),
  );
  const upserted = await query<{ id: string; traceId: string; inserted: boolean }>(
    tx,
    connection,
    `INSERT INTO "Run" (id, "traceId", name, "agentId", "teamId", "conversationId", status, "startedAt", "endedAt",
                       "lastStepAt", outcome, "outcomeImpact", "flagEscalated", "flagLoop", "flagToolFailure", "inputTokens",
                       "outputTokens", "cachedInputTokens", "costUsd", "stepCount", "failedStepCount", "unpricedCount", "updatedAt")
    SELECT id, "traceId", name, "agentId", "teamId", "conversationId", status::"RunStatus", "startedAt", "endedAt",
           "lastStepAt", outcome::"Outcome", "outcomeImpact", "flagEscalated", "flagLoop", "flagToolFailure", "inputTokens",
           "outputTokens", "cachedInputTokens", "costNano"::numeric / 1000000000, "stepCount", "failedStepCount", "unpricedCount", now()
    FROM jsonb_to_recordset($1::jsonb) AS v(id text, "traceId" text, name text, "agentId" text, "teamId" text, "conversationId" text,
         status text, "startedAt" timestamp(3), "endedAt" timestamp(3), "lastStepAt" timestamp(3), outcome text, "outcomeImpact" text,
         "flagEscalated" boolean, "flagLoop" boolean, "flagToolFailure" boolean, "inputTokens" int8, "outputTokens" int8,
         "cachedInputTokens" int8, "costNano" int8, "stepCount" int4, "failedStepCount" int4, "unpricedCount" int4)
    ORDER BY "traceId"
    ON CONFLICT ("traceId") DO UPDATE SET
      "startedAt" = LEAST("Run"."startedAt", EXCLUDED."startedAt"),
      "lastStepAt" = GREATEST("Run"."lastStepAt", EXCLUDED."lastStepAt"),
      name = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN EXCLUDED.name ELSE "Run".name END,
      "endedAt" = COALESCE(EXCLUDED."endedAt", "Run"."endedAt"),
      status = CASE
        WHEN EXCLUDED."endedAt" IS NOT NULL THEN EXCLUDED.status
        WHEN "Run"."endedAt" IS NOT NULL THEN "Run".status
        WHEN EXCLUDED.status = 'ESCALATED' AND "Run".status IN ('RUNNING', 'ESCALATED', 'STALLED')
             AND EXCLUDED."lastStepAt" >= "Run"."lastStepAt" THEN 'ESCALATED'
        WHEN "Run".status = 'ESCALATED' AND EXCLUDED.status = 'RUNNING' AND EXCLUDED."lastStepAt" > "Run"."lastStepAt" THEN 'RUNNING'
        WHEN "Run".status = 'STALLED' AND GREATEST("Run"."lastStepAt", EXCLUDED."lastStepAt") >= (now() AT TIME ZONE 'UTC')
             - make_interval(mins => COALESCE((SELECT a."stallThresholdMinutes" FROM "Agent" a
                                               WHERE a.id = COALESCE("Run"."agentId", EXCLUDED."agentId")), ${DEFAULT_STALL_MINUTES}))
             THEN 'RUNNING'
        ELSE "Run".status END,
      "agentId" = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN COALESCE(EXCLUDED."agentId", "Run"."agentId")
                       ELSE COALESCE("Run"."agentId", EXCLUDED."agentId") END,
      "teamId" = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN COALESCE(EXCLUDED."teamId", "Run"."teamId")
                      ELSE COALESCE("Run"."teamId", EXCLUDED."teamId") END,
      "conversationId" = COALESCE("Run"."conversationId", EXCLUDED."conversationId"),
      outcome = CASE WHEN EXCLUDED.outcome <> 'UNKNOWN' THEN EXCLUDED.outcome ELSE "Run".outcome END,
      "outcomeImpact" = COALESCE(EXCLUDED."outcomeImpact", "Run"."outcomeImpact"),
      "flagEscalated" = "Run"."flagEscalated" OR EXCLUDED."flagEscalated",
      "inputTokens" = "Run"."inputTokens" + EXCLUDED."inputTokens",
      "outputTokens" = "Run"."outputTokens" + EXCLUDED."outputTokens",
      "cachedInputTokens" = "Run"."cachedInputTokens" + EXCLUDED."cachedInputTokens",
      "costUsd" = "Run"."costUsd" + EXCLUDED."costUsd",
      "stepCount" = "Run"."stepCount" + EXCLUDED."stepCount",
      "failedStepCount" = "Run"."failedStepCount" + EXCLUDED."failedStepCount",
      "unpricedCount" = "Run"."unpricedCount" + EXCLUDED."unpricedCount",
      -- A tool failure among skipped (already stored) steps already set it when it was stored.
      "flagToolFailure" = "Run"."flagToolFailure" OR EXCLUDED."flagToolFailure",
      "updatedAt" = now()
    RETURNING id, "traceId", (xmax = 0) AS inserted`,
    [new JsonPayload(runPayload)],
  );
  const runIdByTrace = new Map<string, string>();
  const existingTraces = new Set<string>();
  for (const r of upserted) {
    runIdByTrace.set(r.traceId, r.id);
    if (!r.inserted) existingTraces.add(r.traceId);
  }
  const loopRunIds: string[] = [];
  for (const traceId of loopCandidates.keys()) if (existingTraces.has(traceId)) loopRunIds.push(runIdByTrace.get(traceId)!);
  for (const row of rows) {
    row.runId = runIdByTrace.get(row.traceId)!;
    if (loopingSteps.has(row.id) && !existingTraces.has(row.traceId)) row.flagLoop = true;
  }

  // A JSON null becomes SQL NULL in jsonb_to_recordset, as before (no JSON `null` values in these columns).
  // jsonb, not json: the document is parsed once and its nested values become the jsonb columns as
  // they are, instead of lexing the text and then parsing every jsonb column again.
  // One result row: how many were inserted, and their ids only when some were skipped (instead of
  // 1,000 result rows per batch to receive and parse).
  const [result] = await query<{ stored: number; ids: string[] | null }>(
    tx,
    connection,
    `WITH ins AS (
    INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt",
                        model, provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName",
                        "promptVersion", tool, arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions,
                        "flagLoop")
    SELECT id, "runId", "traceId", "spanId", "parentSpanId", kind::"StepKind", name, status::"StepStatus", error, "startedAt",
           "endedAt", model, provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName",
           "promptVersion", tool, arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions, "flagLoop"
    FROM jsonb_to_recordset($1::jsonb) AS s(id text, "runId" text, "traceId" text, "spanId" text, "parentSpanId" text, kind text,
           name text, status text, error text, "startedAt" timestamp(3), "endedAt" timestamp(3), model text, provider text,
           "inputTokens" int4, "outputTokens" int4, "cachedInputTokens" int4, "costUsd" numeric, unpriced boolean, "promptName" text,
           "promptVersion" int4, tool text, arguments jsonb, result jsonb, decision jsonb, "inputMessages" jsonb,
           "outputMessages" jsonb, attributes jsonb, redactions int4, "flagLoop" boolean)
    ON CONFLICT ("traceId", "spanId") DO NOTHING
    RETURNING id)
    SELECT count(*)::int AS stored, CASE WHEN count(*) < $2 THEN COALESCE(array_agg(id), '{}') END AS ids FROM ins`,
    [new JsonPayload(JSON.stringify(rows)), rows.length],
  );
  const stored = result!.stored;
  /** Ids of the rows really inserted, or null: all of them. */
  const insertedIds = result!.ids === null ? null : new Set(result!.ids);

  // Steps skipped as already stored (re-sent, or inserted meanwhile by a concurrent request): take their
  // share back out of the totals the upsert added. Rare: one more statement only then.
  if (stored < rows.length) {
    const skipped = new Map<string, Totals>();
    steps.forEach((s, i) => {
      const row = rows[i]!;
      if (insertedIds!.has(row.id)) return;
      let t = skipped.get(row.runId);
      if (!t) skipped.set(row.runId, (t = newTotals()));
      addTotals(t, s, row.costUsd, row.unpriced);
    });
    await query(
      tx,
      connection,
      `UPDATE "Run" r SET
        "inputTokens" = r."inputTokens" - v."inputTokens",
        "outputTokens" = r."outputTokens" - v."outputTokens",
        "cachedInputTokens" = r."cachedInputTokens" - v."cachedInputTokens",
        "costUsd" = r."costUsd" - v."costNano"::numeric / 1000000000,
        "stepCount" = r."stepCount" - v."stepCount",
        "failedStepCount" = r."failedStepCount" - v."failedStepCount",
        "unpricedCount" = r."unpricedCount" - v."unpricedCount"
      FROM jsonb_to_recordset($1::jsonb) AS v(id text, "inputTokens" int8, "outputTokens" int8, "cachedInputTokens" int8,
           "costNano" int8, "stepCount" int4, "failedStepCount" int4, "unpricedCount" int4)
      WHERE r.id = v.id`,
      [new JsonPayload(JSON.stringify([...skipped].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, t]) => ({ id, ...t }))))],
    );
  }

  // The spend rollup of the inserted billable steps, per day, team, agent, model and prompt version.
  const spend = new Map<string, SpendRow>();
  for (const [id, source] of billableRows) {
    if (insertedIds && !insertedIds.has(id)) continue;
    const k = `${source.day}\u0000${source.teamId}\u0000${source.agentId}\u0000${source.model}\u0000${source.promptName}\u0000${source.promptVersion}`;
    let row = spend.get(k);
    if (!row) {
      const { day, teamId, agentId, model, promptName, promptVersion } = source;
      row = { day, teamId, agentId, model, promptName, promptVersion, calls: 0, unpricedCalls: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0 };
      spend.set(k, row);
    }
    row.calls += 1;
    if (source.unpriced) row.unpricedCalls += 1;
    row.inputTokens += source.inputTokens;
    row.outputTokens += source.outputTokens;
    row.cachedInputTokens += source.cachedInputTokens;
    // Each cost has 9 decimals at most; summing in nano-dollars keeps the total exact.
    row.costUsd = (Math.round(row.costUsd * 1e9) + Math.round(source.costUsd * 1e9)) / 1e9;
  }
  return {
    stored,
    duplicates: input.length - stored,
    spend: [...spend.values()],
    runIds: upserted.map((r) => r.id),
    createdTeams: teams.created,
    createdAgents: agents.created,
    analysis: { loopRunIds, evaluators },
  };
}
