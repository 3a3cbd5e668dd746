/**
 * The hot path: writes mapped steps and their runs with run totals, inside the
 * caller's transaction, in a fixed handful of bulk statements (store-sql.ts)
 * whatever the batch size; post-store work (analysis, evaluators, the spend
 * rollup) is the pipeline's hooks (pipeline.ts), fed by the result.
 *
 * Correct under real delivery:
 * - Steps are inserted with `ON CONFLICT ("traceId","spanId") DO NOTHING`; run
 *   totals and the spend rows are computed from the rows actually inserted: a
 *   re-sent span is stored and counted once.
 * - Runs are upserted (store-sql.ts), so children before parents, or one trace
 *   spread over many requests and app instances, end in the same run as one
 *   ordered batch (run-fold.ts says what a batch implies).
 * - Only "billable" steps count towards tokens and cost: LLM calls, and other
 *   steps carrying their own cost (never AGENT spans, whose usage is usually
 *   the sum of their children's).
 *
 * Redaction (when on) comes first: every text a step stores (names, errors,
 * decisions, messages, arguments, every kept attribute and its keys) is
 * redacted before anything else reads the step, so the run, agent, team and
 * spend rows derived from it (run name, outcome impact, conversation) hold the
 * redacted text too. Off, it costs one boolean test per batch.
 *
 * Speed (bench/README.md): the statements go straight to the transaction's pg
 * connection when the caller has it, and the price table and the redactor are
 * reused across requests while their version (one cheap statement) is unchanged.
 * `storeSteps` stays one function on purpose: its passes share the per-step
 * rows built once (bench/README.md measures every extra pass over 1,000 steps).
 */
import { resolveAgents, resolveTeams } from "@/lib/agents/registry";
import type { Tx } from "@/lib/db";
import { bulkQuery, JsonPayload, type Connection } from "@/lib/db/bulk";
import { newId } from "@/lib/ids";
import { redactorForVersion, REDACTION_ENABLED_KEY, REDACTION_VERSION_SQL, type Redactor } from "@/lib/redaction/redactor";
import { DEFAULT_LOOP_THRESHOLD, detectLoops } from "@/lib/runs/loops";
import { computeCost, loadPriceTable, PRICE_TABLE_VERSION_SQL, type PriceTable } from "@/lib/spend/prices/pricing";
import { rollUpSpend, type SpendRow, type SpendSource } from "@/lib/spend/rollup";
import { redactSteps } from "./redact-step";
import { foldRuns } from "./run-fold";
import { RUN_UPSERT, STEP_INSERT, TOTALS_CORRECTION } from "./store-sql";
import type { StepDraft } from "./types";

export interface StoreResult {
  /** Steps newly stored. */
  stored: number;
  /** Steps already stored before (re-sent), or repeated in this batch. */
  duplicates: number;
  /** Runs this batch created (the ingestion ledger counts them). */
  runsCreated: number;
  runIds: string[];
  createdTeams: string[];
  createdAgents: string[];
  /** The spend rollup increments of the stored steps (the spend hook applies them). */
  spend: SpendRow[];
  /** Traces of the billable calls stored: their budget reservations are settled. */
  billedTraceIds: string[];
  /** The billable calls stored that name a prompt, as stored (redacted): (trace, prompt, version; 0 = none named), once each. */
  promptUses: { traceId: string; promptName: string; promptVersion: number }[];
  /**
   * What the run analysis still has to do, the rest being done here: stalled runs that got a step
   * are already RUNNING again (run upsert), loops of runs created by this batch are already flagged
   * (all their steps are in it), so loop detection is only needed for runs that existed and received
   * tool calls or decisions; evaluators only when an agent has some.
   */
  analysis: { loopRunIds: string[]; evaluators: boolean };
}

function promptUsesOf(sources: readonly SpendSource[]): StoreResult["promptUses"] {
  const used = new Map<string, StoreResult["promptUses"][number]>();
  for (const s of sources) {
    if (!s.promptName) continue;
    used.set(`${s.traceId}\u0000${s.promptName}\u0000${s.promptVersion}`, { traceId: s.traceId, promptName: s.promptName, promptVersion: s.promptVersion });
  }
  return [...used.values()];
}

export const EMPTY_STORE_RESULT: StoreResult = {
  stored: 0,
  duplicates: 0,
  runsCreated: 0,
  runIds: [],
  createdTeams: [],
  createdAgents: [],
  spend: [],
  billedTraceIds: [],
  promptUses: [],
  analysis: { loopRunIds: [], evaluators: false },
};

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** Versions of the price table and of the redaction settings, and whether any agent has evaluators, in one statement. */
const CONFIG_VERSION_SQL = `SELECT (${PRICE_TABLE_VERSION_SQL}) AS prices, ${REDACTION_VERSION_SQL} AS redaction,
  EXISTS (SELECT 1 FROM "Agent" a JOIN "AgentConfigVersion" cv ON cv.id = a."currentConfigId"
          WHERE jsonb_typeof(cv.evaluators) = 'array' AND jsonb_array_length(cv.evaluators) > 0) AS evaluators`;

/** The price table and the redactor, rebuilt only when an admin changed prices or redaction (any instance). */
async function loadIngestConfig(tx: Tx, connection: Connection): Promise<{ prices: PriceTable; redactor: Redactor; evaluators: boolean }> {
  const [versions] = await bulkQuery<{ prices: string; redaction: string; evaluators: boolean }>(tx, connection, CONFIG_VERSION_SQL, [
    REDACTION_ENABLED_KEY,
  ]);
  const prices = await loadPriceTable(tx, versions!.prices);
  return { prices, redactor: await redactorForVersion(tx, versions!.redaction), evaluators: versions!.evaluators };
}

/** The redactor of the current configuration, for items stored beside steps (items.ts): one cheap statement. */
export async function loadIngestRedactor(tx: Tx, connection: Connection): Promise<Redactor> {
  const [version] = await bulkQuery<{ redaction: string }>(tx, connection, `SELECT ${REDACTION_VERSION_SQL} AS redaction`, [REDACTION_ENABLED_KEY]);
  return redactorForVersion(tx, version!.redaction);
}

function isBillable(step: StepDraft): boolean {
  return step.kind === "LLM_CALL" || (step.carriedCostUsd !== null && step.kind !== "AGENT");
}

/** A run's totals over the steps of this batch. */
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

function addTotals(t: Totals, s: StepDraft, costText: string | null, unpriced: boolean): void {
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
}

/** What a run item of the same batch says of its run's agent and team (native API): it wins over the steps' fold. */
export interface RunHint {
  traceId: string;
  agent?: string | null;
  team?: string | null;
}

export async function storeSteps(tx: Tx, input: StepDraft[], connection: Connection = null, runHints: readonly RunHint[] = []): Promise<StoreResult> {
  // Repeats inside one batch: the first copy wins, as it would across batches.
  const seen = new Set<string>();
  const unique = input.filter((s) => {
    const key = `${s.traceId}:${s.spanId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (unique.length === 0) return { ...EMPTY_STORE_RESULT, duplicates: input.length };
  // One transaction is one connection: its queries run one after another anyway.
  const { prices, redactor, evaluators } = await loadIngestConfig(tx, connection);
  // Redacted before anything reads them (see the header); `redactions[i]` counts step i's replacements.
  let steps = unique;
  let redactions: number[] | null = null;
  if (redactor.enabled) {
    const redacted = await redactSteps(unique, redactor);
    steps = redacted.map((r) => r.step);
    redactions = redacted.map((r) => r.redactions);
  }
  const runs = foldRuns(steps);
  // Run items are stored after the steps, but their agent and team must key the steps' spend too.
  for (const hint of runHints) {
    const run = runs.get(hint.traceId);
    if (!run) continue;
    if (hint.agent) run.agentName = hint.agent;
    if (hint.team) run.teamName = hint.team;
  }

  // Agents and teams seen for the first time are created; an agent joins the first team seen with it.
  const teamNames = new Set<string>();
  const agentTeams = new Map<string, string | null>();
  const wantAgent = (agent: string | null, team: string | null) => {
    if (team) teamNames.add(team);
    if (agent && !agentTeams.get(agent)) agentTeams.set(agent, team);
  };
  // The root span each run takes its name, end and status from (the fold's: the latest-ended root), for RUN_UPSERT to
  // apply only if that span is not already stored (a re-sent root must not rewrite the run while its step is skipped).
  const rootSpanIds = new Map<string, string>();
  for (const s of steps) {
    const run = runs.get(s.traceId)!;
    wantAgent(s.agentName ?? run.agentName, s.teamName);
    if (s.parentSpanId === null && s.endedAt !== null && s.endedAt.getTime() === run.endedAt?.getTime()) rootSpanIds.set(s.traceId, s.spanId);
  }
  for (const run of runs.values()) wantAgent(run.agentName, run.teamName);
  const teams = await resolveTeams(tx, [...teamNames], connection);
  const agentWanted = new Map([...agentTeams].map(([name, team]) => [name, team ? (teams.ids.get(team) ?? null) : null]));
  const agents = await resolveAgents(tx, agentWanted, connection);

  const agentOf = (name: string | null) => (name ? agents.agents.get(name) : undefined);
  const teamOf = (teamName: string | null, agentName: string | null) =>
    (teamName ? teams.ids.get(teamName) : undefined) ?? agentOf(agentName)?.teamId ?? null;

  const totalsByTrace = new Map<string, Totals>();
  const billableRows = new Map<string, SpendSource>();
  // Rows are complete but for runId (known after the run upsert) and flagLoop.
  const rows = steps.map((s, i) => {
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
    const run = runs.get(s.traceId)!;
    const agentName = s.agentName ?? run.agentName;
    const id = newId();
    const startedAt = s.startedAt.toISOString();
    if (isBillable(s)) {
      billableRows.set(id, {
        traceId: s.traceId,
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
      arguments: s.arguments,
      result: s.result,
      decision: s.decision,
      inputMessages: s.inputMessages,
      outputMessages: s.outputMessages,
      attributes: s.attributes,
      redactions: redactions === null ? 0 : redactions[i]!,
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

  const runRows = [...runs.values()].sort((x, y) => (x.traceId < y.traceId ? -1 : 1));
  const runPayload = JSON.stringify(
    runRows.map((r) => ({
      id: newId(),
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
      ...totalsByTrace.get(r.traceId)!,
      rootSpanId: rootSpanIds.get(r.traceId) ?? null,
    })),
  );
  const upserted = await bulkQuery<{ id: string; traceId: string; inserted: boolean }>(tx, connection, RUN_UPSERT, [new JsonPayload(runPayload)]);
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

  const [result] = await bulkQuery<{ stored: number; ids: string[] | null }>(tx, connection, STEP_INSERT, [
    new JsonPayload(JSON.stringify(rows)),
    rows.length,
  ]);
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
    const corrections = [...skipped].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, t]) => ({ id, ...t }));
    await bulkQuery(tx, connection, TOTALS_CORRECTION, [new JsonPayload(JSON.stringify(corrections))]);
  }

  // The spend rollup of the inserted billable steps, per day, team, agent, model and prompt version.
  const inserted = [...billableRows].filter(([id]) => !insertedIds || insertedIds.has(id)).map(([, source]) => source);
  return {
    stored,
    duplicates: input.length - stored,
    runsCreated: upserted.length - existingTraces.size,
    spend: rollUpSpend(inserted),
    billedTraceIds: [...new Set(inserted.map((source) => source.traceId))],
    promptUses: promptUsesOf(inserted),
    runIds: upserted.map((r) => r.id),
    createdTeams: teams.created,
    createdAgents: agents.created,
    analysis: { loopRunIds, evaluators },
  };
}
