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
 * by `json_to_recordset` on the server: no per-column arrays, no array-literal
 * escaping, no JSON-in-JSON double encoding, and none of Prisma's raw-query
 * parameter pipeline (~30 ms of CPU per 1,000 steps). The price table and the
 * redaction settings are reused across requests while their version (one
 * cheap statement) is unchanged.
 */
import type pg from "pg";
import type { Tx } from "@/lib/db";
import { computeCost, loadPriceTable, PRICE_TABLE_VERSION_SQL, type PriceTable } from "@/lib/spend/pricing";
import { loadRedactor, REDACTION_ENABLED_KEY, type Redactor } from "@/lib/telemetry/redaction";
import { newId } from "./ids";
import type { JsonValue, StepDraft } from "./types";

/** The transaction's own pg connection, or null: then the same SQL goes through Prisma's `tx`. */
export type Connection = pg.PoolClient | null;

/** A JSON document sent as a `$n::json` parameter. */
class JsonPayload {
  constructor(readonly text: string) {}
}

async function query<R extends object>(tx: Tx, connection: Connection, text: string, values: unknown[]): Promise<R[]> {
  if (connection) {
    // pg sends a Buffer in binary format, which for json is the UTF-8 text itself: one fast
    // Buffer.from instead of the socket encoding a megabyte-long string.
    const params = values.map((v) => (v instanceof JsonPayload ? Buffer.from(v.text) : v));
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

export const EMPTY_STORE_RESULT: StoreResult = { stored: 0, duplicates: 0, runIds: [], createdTeams: [], createdAgents: [], spend: [] };

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
    FROM json_to_recordset($1::json) AS v(day date, "teamId" text, "agentId" text, model text, "promptName" text,
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
}

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** Versions of the price table and of the redaction settings, in one statement. */
const CONFIG_VERSION_SQL = `SELECT (${PRICE_TABLE_VERSION_SQL}) AS prices,
  (SELECT md5(COALESCE((SELECT value::text FROM "Setting" WHERE key = $1), '') || '|' || COALESCE(string_agg(r::text, ',' ORDER BY r.id), ''))
   FROM "RedactionRule" r) AS redaction`;

const globalForRedactor = globalThis as unknown as { flightdeckRedactor?: { version: string; redactor: Redactor } };

/** The price table and the redactor, rebuilt only when an admin changed prices or redaction (any instance). */
async function loadIngestConfig(tx: Tx, connection: Connection): Promise<{ prices: PriceTable; redactor: Redactor }> {
  const [versions] = await query<{ prices: string; redaction: string }>(tx, connection, CONFIG_VERSION_SQL, [REDACTION_ENABLED_KEY]);
  const prices = await loadPriceTable(tx, versions!.prices);
  let cached = globalForRedactor.flightdeckRedactor;
  if (cached?.version !== versions!.redaction) {
    cached = { version: versions!.redaction, redactor: await loadRedactor(tx) };
    globalForRedactor.flightdeckRedactor = cached;
  }
  return { prices, redactor: cached.redactor };
}

/** Creates the teams not seen before; returns name → id for all of them. */
export async function resolveTeams(tx: Tx, names: string[]): Promise<{ ids: Map<string, string>; created: string[] }> {
  const ids = new Map<string, string>();
  if (names.length === 0) return { ids, created: [] };
  const sorted = [...names].sort();
  const rows = await tx.$queryRaw<{ id: string; name: string; created: boolean }[]>`
    WITH input AS (SELECT * FROM unnest(${sorted.map(() => newId())}::text[], ${sorted}::text[]) AS t(id, name)),
    ins AS (
      INSERT INTO "Team" (id, name) SELECT id, name FROM input ORDER BY name
      ON CONFLICT (name) DO NOTHING RETURNING id, name
    )
    SELECT id, name, true AS created FROM ins
    UNION ALL SELECT t.id, t.name, false FROM "Team" t JOIN input i ON i.name = t.name`;
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
): Promise<{ agents: Map<string, Named>; created: string[] }> {
  const agents = new Map<string, Named>();
  if (wanted.size === 0) return { agents, created: [] };
  const names = [...wanted.keys()].sort();
  const rows = await tx.$queryRaw<(Named & { created: boolean })[]>`
    WITH input AS (
      SELECT * FROM unnest(${names.map(() => newId())}::text[], ${names}::text[], ${names.map((n) => wanted.get(n) ?? null)}::text[])
        AS t(id, name, "teamId")
    ),
    ins AS (
      INSERT INTO "Agent" (id, name, "teamId", "updatedAt") SELECT id, name, "teamId", now() FROM input ORDER BY name
      ON CONFLICT (name) DO NOTHING RETURNING id, name, "teamId"
    )
    SELECT id, name, "teamId", true AS created FROM ins
    UNION ALL SELECT a.id, a.name, a."teamId", false FROM "Agent" a JOIN input i ON i.name = a.name`;
  const created: string[] = [];
  for (const r of rows) {
    agents.set(r.name, { id: r.id, name: r.name, teamId: r.teamId });
    if (r.created) created.push(r.name);
  }
  const missing = names.filter((n) => !agents.has(n));
  if (missing.length) {
    const found = await tx.agent.findMany({ where: { name: { in: missing } }, select: { id: true, name: true, teamId: true } });
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
  if (steps.length === 0) return { stored: 0, duplicates: input.length, spend: [], runIds: [], createdTeams: [], createdAgents: [] };

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
  const teams = await resolveTeams(tx, [...teamNames]);
  const agentWanted = new Map([...agentTeams].map(([name, team]) => [name, team ? (teams.ids.get(team) ?? null) : null]));
  const agents = await resolveAgents(tx, agentWanted);
  // One transaction is one connection: its queries run one after another anyway.
  const { prices, redactor } = await loadIngestConfig(tx, connection);

  const runRows = [...runs.values()].sort((x, y) => (x.traceId < y.traceId ? -1 : 1));
  const agentOf = (name: string | null) => (name ? agents.agents.get(name) : undefined);
  const teamOf = (teamName: string | null, agentName: string | null) =>
    (teamName ? teams.ids.get(teamName) : undefined) ?? agentOf(agentName)?.teamId ?? null;

  // A run's status only moves when its root span arrives, or between RUNNING and ESCALATED (see the
  // module comment); until then later batches keep what is there.
  const runPayload = JSON.stringify(
    runRows.map((r) => ({
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
    })),
  );
  const upserted = await query<{ id: string; traceId: string }>(
    tx,
    connection,
    `INSERT INTO "Run" (id, "traceId", name, "agentId", "teamId", "conversationId", status, "startedAt", "endedAt",
                       "lastStepAt", outcome, "outcomeImpact", "flagEscalated", "updatedAt")
    SELECT id, "traceId", name, "agentId", "teamId", "conversationId", status::"RunStatus", "startedAt", "endedAt",
           "lastStepAt", outcome::"Outcome", "outcomeImpact", "flagEscalated", now()
    FROM json_to_recordset($1::json) AS v(id text, "traceId" text, name text, "agentId" text, "teamId" text, "conversationId" text,
         status text, "startedAt" timestamp(3), "endedAt" timestamp(3), "lastStepAt" timestamp(3), outcome text, "outcomeImpact" text,
         "flagEscalated" boolean)
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
        ELSE "Run".status END,
      "agentId" = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN COALESCE(EXCLUDED."agentId", "Run"."agentId")
                       ELSE COALESCE("Run"."agentId", EXCLUDED."agentId") END,
      "teamId" = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN COALESCE(EXCLUDED."teamId", "Run"."teamId")
                      ELSE COALESCE("Run"."teamId", EXCLUDED."teamId") END,
      "conversationId" = COALESCE("Run"."conversationId", EXCLUDED."conversationId"),
      outcome = CASE WHEN EXCLUDED.outcome <> 'UNKNOWN' THEN EXCLUDED.outcome ELSE "Run".outcome END,
      "outcomeImpact" = COALESCE(EXCLUDED."outcomeImpact", "Run"."outcomeImpact"),
      "flagEscalated" = "Run"."flagEscalated" OR EXCLUDED."flagEscalated",
      "updatedAt" = now()
    RETURNING id, "traceId"`,
    [new JsonPayload(runPayload)],
  );
  const runIdByTrace = new Map(upserted.map((r) => [r.traceId, r.id]));

  /** What the spend rollup needs of each step row, by the row's id. */
  interface SpendSource {
    day: string;
    teamId: string;
    agentId: string;
    model: string;
    promptName: string;
    promptVersion: number;
    unpriced: boolean;
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens: number;
    costUsd: number;
  }
  const billableRows = new Map<string, SpendSource>();
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
      runId: runIdByTrace.get(s.traceId)!,
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
      costUsd: cost === null ? null : cost.toFixed(9),
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
    };
  });

  // Steps and run totals in one statement. Totals come from RETURNING: only rows really inserted count.
  // "Billable" in SQL is the same rule as isBillable(): LLM calls, and other non-AGENT steps with a cost.
  // A JSON null becomes SQL NULL in json_to_recordset, as before (no JSON `null` values in these columns).
  const inserted = await query<{ id: string }>(
    tx,
    connection,
    `WITH ins AS (
      INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt",
                          model, provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName",
                          "promptVersion", tool, arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions)
      SELECT id, "runId", "traceId", "spanId", "parentSpanId", kind::"StepKind", name, status::"StepStatus", error, "startedAt",
             "endedAt", model, provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName",
             "promptVersion", tool, arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions
      FROM json_to_recordset($1::json) AS s(id text, "runId" text, "traceId" text, "spanId" text, "parentSpanId" text, kind text,
             name text, status text, error text, "startedAt" timestamp(3), "endedAt" timestamp(3), model text, provider text,
             "inputTokens" int4, "outputTokens" int4, "cachedInputTokens" int4, "costUsd" numeric, unpriced boolean, "promptName" text,
             "promptVersion" int4, tool text, arguments jsonb, result jsonb, decision jsonb, "inputMessages" jsonb,
             "outputMessages" jsonb, attributes jsonb, redactions int4)
      ON CONFLICT ("traceId", "spanId") DO NOTHING
      RETURNING id, "runId", kind, status, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced,
                (kind = 'LLM_CALL' OR ("costUsd" IS NOT NULL AND kind <> 'AGENT')) AS billable
    ),
    run_totals AS (
      UPDATE "Run" r SET
        "inputTokens" = r."inputTokens" + t.input_tokens,
        "outputTokens" = r."outputTokens" + t.output_tokens,
        "cachedInputTokens" = r."cachedInputTokens" + t.cached_tokens,
        "costUsd" = r."costUsd" + t.cost,
        "stepCount" = r."stepCount" + t.steps,
        "failedStepCount" = r."failedStepCount" + t.failed,
        "unpricedCount" = r."unpricedCount" + t.unpriced,
        "flagToolFailure" = r."flagToolFailure" OR t.tool_failure
      FROM (
        SELECT "runId",
          COALESCE(SUM("inputTokens") FILTER (WHERE billable), 0) AS input_tokens,
          COALESCE(SUM("outputTokens") FILTER (WHERE billable), 0) AS output_tokens,
          COALESCE(SUM("cachedInputTokens") FILTER (WHERE billable), 0) AS cached_tokens,
          COALESCE(SUM("costUsd") FILTER (WHERE billable), 0) AS cost,
          COUNT(*)::int AS steps,
          (COUNT(*) FILTER (WHERE status = 'FAILED'))::int AS failed,
          (COUNT(*) FILTER (WHERE unpriced))::int AS unpriced,
          BOOL_OR(kind = 'TOOL_CALL' AND status = 'FAILED') AS tool_failure
        FROM ins GROUP BY "runId"
      ) t
      WHERE r.id = t."runId"
    )
    SELECT id FROM ins`,
    [new JsonPayload(JSON.stringify(rows))],
  );
  const stored = inserted.length;

  // The spend rollup of the inserted billable steps, per day, team, agent, model and prompt version.
  const spend = new Map<string, SpendRow>();
  for (const { id } of inserted) {
    const source = billableRows.get(id);
    if (!source) continue;
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
  };
}
