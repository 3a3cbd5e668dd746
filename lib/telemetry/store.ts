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
 */
import type { Tx } from "@/lib/db";
import { computeCost, loadPriceTable } from "@/lib/spend/pricing";
import { loadRedactor } from "@/lib/telemetry/redaction";
import { newId } from "./ids";
import type { JsonValue, StepDraft } from "./types";

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
 * in key order so concurrent requests cannot deadlock.
 */
export async function applySpendRollup(tx: Tx, rows: SpendRow[]): Promise<void> {
  if (rows.length === 0) return;
  const sorted = [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  const col = <T>(f: (r: SpendRow) => T) => sorted.map(f);
  await tx.$executeRaw`
    INSERT INTO "SpendDaily" (day, "teamId", "agentId", model, "promptName", "promptVersion", calls, "unpricedCalls",
                              "inputTokens", "outputTokens", "cachedInputTokens", "costUsd")
    SELECT * FROM unnest(
      ${col((r) => r.day)}::date[], ${col((r) => r.teamId)}::text[], ${col((r) => r.agentId)}::text[], ${col((r) => r.model)}::text[],
      ${col((r) => r.promptName)}::text[], ${col((r) => r.promptVersion)}::int4[], ${col((r) => r.calls)}::int4[],
      ${col((r) => r.unpricedCalls)}::int4[], ${col((r) => r.inputTokens)}::int8[], ${col((r) => r.outputTokens)}::int8[],
      ${col((r) => r.cachedInputTokens)}::int8[], ${col((r) => r.costUsd.toFixed(9))}::numeric[]
    )
    ON CONFLICT (day, "teamId", "agentId", model, "promptName", "promptVersion") DO UPDATE SET
      calls = "SpendDaily".calls + EXCLUDED.calls,
      "unpricedCalls" = "SpendDaily"."unpricedCalls" + EXCLUDED."unpricedCalls",
      "inputTokens" = "SpendDaily"."inputTokens" + EXCLUDED."inputTokens",
      "outputTokens" = "SpendDaily"."outputTokens" + EXCLUDED."outputTokens",
      "cachedInputTokens" = "SpendDaily"."cachedInputTokens" + EXCLUDED."cachedInputTokens",
      "costUsd" = "SpendDaily"."costUsd" + EXCLUDED."costUsd"`;
}

interface Named {
  id: string;
  name: string;
  teamId: string | null;
}

function jsonText(value: JsonValue | object | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
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

export async function storeSteps(tx: Tx, input: StepDraft[]): Promise<StoreResult> {
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
    status: "RUNNING" | "SUCCEEDED" | "FAILED";
    startedAt: Date;
    endedAt: Date | null;
    lastStepAt: Date;
    outcome: string;
    outcomeImpact: string | null;
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
    if (s.parentSpanId === null && s.endedAt !== null && (run.endedAt === null || s.endedAt >= run.endedAt)) {
      run.name = s.name;
      run.endedAt = s.endedAt;
      run.status = s.status === "FAILED" ? "FAILED" : "SUCCEEDED";
      run.agentName = s.agentName ?? run.agentName;
      run.serviceName = s.serviceName ?? run.serviceName;
      run.teamName = s.teamName ?? run.teamName;
    }
  }
  for (const run of runs.values()) run.agentName ??= run.serviceName;

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
  const prices = await loadPriceTable(tx);
  const redactor = await loadRedactor(tx);

  const runRows = [...runs.values()].sort((x, y) => (x.traceId < y.traceId ? -1 : 1));
  const agentOf = (name: string | null) => (name ? agents.agents.get(name) : undefined);
  const teamOf = (teamName: string | null, agentName: string | null) =>
    (teamName ? teams.ids.get(teamName) : undefined) ?? agentOf(agentName)?.teamId ?? null;

  // A run's status only moves when its root span arrives; until then later batches keep what is there.
  const upserted = await tx.$queryRaw<{ id: string; traceId: string }[]>`
    INSERT INTO "Run" (id, "traceId", name, "agentId", "teamId", "conversationId", status, "startedAt", "endedAt",
                       "lastStepAt", outcome, "outcomeImpact", "updatedAt")
    SELECT id, "traceId", name, "agentId", "teamId", "conversationId", status::"RunStatus", "startedAt", "endedAt",
           "lastStepAt", outcome::"Outcome", "outcomeImpact", now()
    FROM unnest(
      ${runRows.map((r) => r.id)}::text[], ${runRows.map((r) => r.traceId)}::text[], ${runRows.map((r) => r.name)}::text[],
      ${runRows.map((r) => agentOf(r.agentName)?.id ?? null)}::text[], ${runRows.map((r) => teamOf(r.teamName, r.agentName))}::text[],
      ${runRows.map((r) => r.conversationId)}::text[], ${runRows.map((r) => r.status)}::text[],
      ${runRows.map((r) => iso(r.startedAt))}::timestamp(3)[], ${runRows.map((r) => iso(r.endedAt))}::timestamp(3)[],
      ${runRows.map((r) => iso(r.lastStepAt))}::timestamp(3)[], ${runRows.map((r) => r.outcome)}::text[],
      ${runRows.map((r) => r.outcomeImpact)}::text[]
    ) AS v(id, "traceId", name, "agentId", "teamId", "conversationId", status, "startedAt", "endedAt", "lastStepAt", outcome, "outcomeImpact")
    ORDER BY "traceId"
    ON CONFLICT ("traceId") DO UPDATE SET
      "startedAt" = LEAST("Run"."startedAt", EXCLUDED."startedAt"),
      "lastStepAt" = GREATEST("Run"."lastStepAt", EXCLUDED."lastStepAt"),
      name = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN EXCLUDED.name ELSE "Run".name END,
      "endedAt" = COALESCE(EXCLUDED."endedAt", "Run"."endedAt"),
      status = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN EXCLUDED.status ELSE "Run".status END,
      "agentId" = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN COALESCE(EXCLUDED."agentId", "Run"."agentId")
                       ELSE COALESCE("Run"."agentId", EXCLUDED."agentId") END,
      "teamId" = CASE WHEN EXCLUDED."endedAt" IS NOT NULL THEN COALESCE(EXCLUDED."teamId", "Run"."teamId")
                      ELSE COALESCE("Run"."teamId", EXCLUDED."teamId") END,
      "conversationId" = COALESCE("Run"."conversationId", EXCLUDED."conversationId"),
      outcome = CASE WHEN EXCLUDED.outcome <> 'UNKNOWN' THEN EXCLUDED.outcome ELSE "Run".outcome END,
      "outcomeImpact" = COALESCE(EXCLUDED."outcomeImpact", "Run"."outcomeImpact"),
      "updatedAt" = now()
    RETURNING id, "traceId"`;
  const runIdByTrace = new Map(upserted.map((r) => [r.traceId, r.id]));

  const cols = {
    id: [] as string[],
    runId: [] as string[],
    traceId: [] as string[],
    spanId: [] as string[],
    parentSpanId: [] as (string | null)[],
    kind: [] as string[],
    name: [] as string[],
    status: [] as string[],
    error: [] as (string | null)[],
    startedAt: [] as string[],
    endedAt: [] as (string | null)[],
    model: [] as (string | null)[],
    provider: [] as (string | null)[],
    inputTokens: [] as (number | null)[],
    outputTokens: [] as (number | null)[],
    cachedInputTokens: [] as (number | null)[],
    costUsd: [] as (string | null)[],
    unpriced: [] as boolean[],
    promptName: [] as (string | null)[],
    promptVersion: [] as (number | null)[],
    tool: [] as (string | null)[],
    arguments: [] as (string | null)[],
    result: [] as (string | null)[],
    decision: [] as (string | null)[],
    inputMessages: [] as (string | null)[],
    outputMessages: [] as (string | null)[],
    attributes: [] as string[],
    redactions: [] as number[],
    billable: [] as boolean[],
    spendTeamId: [] as string[],
    spendAgentId: [] as string[],
  };
  for (const s of steps) {
    const billable = isBillable(s);
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
    const redact = (value: JsonValue | null): string | null => {
      if (value === null) return null;
      if (!redactor.enabled) return jsonText(value);
      const r = redactor.redact(value);
      redactions += r.count;
      return jsonText(r.value);
    };
    const run = runs.get(s.traceId)!;
    const agentName = s.agentName ?? run.agentName;
    cols.id.push(newId());
    cols.runId.push(runIdByTrace.get(s.traceId)!);
    cols.traceId.push(s.traceId);
    cols.spanId.push(s.spanId);
    cols.parentSpanId.push(s.parentSpanId);
    cols.kind.push(s.kind);
    cols.name.push(s.name);
    cols.status.push(s.status);
    cols.error.push(s.error);
    cols.startedAt.push(s.startedAt.toISOString());
    cols.endedAt.push(iso(s.endedAt));
    cols.model.push(s.model);
    cols.provider.push(s.provider);
    cols.inputTokens.push(s.inputTokens);
    cols.outputTokens.push(s.outputTokens);
    cols.cachedInputTokens.push(s.cachedInputTokens);
    cols.costUsd.push(cost === null ? null : cost.toFixed(9));
    cols.unpriced.push(unpriced);
    cols.promptName.push(s.promptName);
    cols.promptVersion.push(s.promptVersion);
    cols.tool.push(s.tool);
    cols.arguments.push(redact(s.arguments));
    cols.result.push(redact(s.result));
    cols.decision.push(jsonText(s.decision));
    cols.inputMessages.push(redact(s.inputMessages));
    cols.outputMessages.push(redact(s.outputMessages));
    cols.attributes.push(JSON.stringify(s.attributes));
    cols.redactions.push(redactions);
    cols.billable.push(billable);
    cols.spendTeamId.push(teamOf(s.teamName ?? run.teamName, agentName) ?? "");
    cols.spendAgentId.push(agentOf(agentName)?.id ?? "");
  }

  // Steps and run totals in one statement. Totals come from RETURNING: only rows really inserted count.
  // "Billable" in SQL is the same rule as isBillable(): LLM calls, and other non-AGENT steps with a cost.
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    WITH ins AS (
      INSERT INTO "Step" (id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt",
                          model, provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName",
                          "promptVersion", tool, arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions)
      SELECT id, "runId", "traceId", "spanId", "parentSpanId", kind::"StepKind", name, status::"StepStatus", error, "startedAt",
             "endedAt", model, provider, "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName",
             "promptVersion", tool, arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions
      FROM unnest(
        ${cols.id}::text[], ${cols.runId}::text[], ${cols.traceId}::text[], ${cols.spanId}::text[], ${cols.parentSpanId}::text[],
        ${cols.kind}::text[], ${cols.name}::text[], ${cols.status}::text[], ${cols.error}::text[],
        ${cols.startedAt}::timestamp(3)[], ${cols.endedAt}::timestamp(3)[], ${cols.model}::text[], ${cols.provider}::text[],
        ${cols.inputTokens}::int4[], ${cols.outputTokens}::int4[], ${cols.cachedInputTokens}::int4[],
        ${cols.costUsd}::numeric[], ${cols.unpriced}::bool[], ${cols.promptName}::text[], ${cols.promptVersion}::int4[],
        ${cols.tool}::text[], ${cols.arguments}::jsonb[], ${cols.result}::jsonb[], ${cols.decision}::jsonb[],
        ${cols.inputMessages}::jsonb[], ${cols.outputMessages}::jsonb[], ${cols.attributes}::jsonb[], ${cols.redactions}::int4[]
      ) AS s(id, "runId", "traceId", "spanId", "parentSpanId", kind, name, status, error, "startedAt", "endedAt", model, provider,
             "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", unpriced, "promptName", "promptVersion", tool,
             arguments, result, decision, "inputMessages", "outputMessages", attributes, redactions)
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
    SELECT id FROM ins`;
  const stored = inserted.length;

  // The spend rollup of the inserted billable steps, per day, team, agent, model and prompt version.
  const insertedIds = new Set(inserted.map((r) => r.id));
  const spend = new Map<string, SpendRow>();
  cols.id.forEach((id, i) => {
    if (!cols.billable[i] || !insertedIds.has(id)) return;
    const key: SpendKey = {
      day: cols.startedAt[i]!.slice(0, 10),
      teamId: cols.spendTeamId[i]!,
      agentId: cols.spendAgentId[i]!,
      model: cols.model[i] ?? "",
      promptName: cols.promptName[i] ?? "",
      promptVersion: cols.promptVersion[i] ?? 0,
    };
    const k = JSON.stringify(key);
    const row = spend.get(k) ?? { ...key, calls: 0, unpricedCalls: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0 };
    row.calls += 1;
    if (cols.unpriced[i]) row.unpricedCalls += 1;
    row.inputTokens += cols.inputTokens[i] ?? 0;
    row.outputTokens += cols.outputTokens[i] ?? 0;
    row.cachedInputTokens += cols.cachedInputTokens[i] ?? 0;
    row.costUsd += Number(cols.costUsd[i] ?? 0);
    spend.set(k, row);
  });
  return {
    stored,
    duplicates: input.length - stored,
    spend: [...spend.values()],
    runIds: upserted.map((r) => r.id),
    createdTeams: teams.created,
    createdAgents: agents.created,
  };
}
