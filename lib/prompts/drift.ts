/**
 * Instruction drift: what each version of a prompt did in production, from the
 * LLM calls that named it (Step.promptName/promptVersion). Per version: calls,
 * tokens, cost, error rate, mean output score and the success rate of the runs
 * it took part in; the same per UTC day or hour for the chart; the label moves
 * that explain a change; and the two arms of a canary/A-B label compared with
 * an interval (lib/prompts/stats.ts), so "B is better" needs the evidence.
 *
 * Definitions (the page's column headers point here):
 * - A call is an LLM_CALL step of the prompt started inside the window.
 * - A call's output score: its latest HUMAN OUTPUT evaluation, else the mean of
 *   the others (the rule Run.outputScore follows); unscored calls do not count.
 * - A version's runs are the runs with at least one of its calls in the window
 *   (a run that called two versions counts for both); a run's outcome counts
 *   when it is SUCCESS or FAILURE.
 * - Cost is that of the version's priced calls; cost per successful run is the
 *   cost of the calls in runs with an outcome divided by the successes among
 *   them, so failed runs' spend is charged to the successes.
 */
import "server-only";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import {
  compareProportions,
  meanInterval,
  verdictText,
  wilsonInterval,
  type ComparisonVerdict,
  type MeanEstimate,
  type ProportionComparison,
  type ProportionEstimate,
} from "./stats";

const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 30;
export const MAX_WINDOW_DAYS = 90;

/** A half-open UTC interval [from, to). */
export interface DriftWindow {
  from: Date;
  to: Date;
}

export interface DriftWindowInput {
  from?: Date;
  to?: Date;
}

/**
 * The window a drift query reads: the last 30 days by default, never more than
 * 90 (a longer one keeps its end and loses its start), so every query stays bounded.
 */
export function resolveDriftWindow(input: DriftWindowInput = {}, now: Date = new Date()): DriftWindow {
  const to = input.to ?? now;
  const from = input.from ?? new Date(to.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
  if (Number.isNaN(to.getTime()) || Number.isNaN(from.getTime())) throw new AppError("bad_request:drift_window", "The time window is not a valid date range.");
  if (from.getTime() >= to.getTime()) throw new AppError("bad_request:drift_window", "The time window must start before it ends.");
  const earliest = to.getTime() - MAX_WINDOW_DAYS * DAY_MS;
  return { from: from.getTime() < earliest ? new Date(earliest) : from, to };
}

async function promptIdOf(name: string): Promise<string> {
  const prompt = await db.prompt.findUnique({ where: { name }, select: { id: true } });
  if (!prompt) throw new AppError("not_found:prompt", `There is no prompt named “${name}”.`);
  return prompt.id;
}

// ── shared SQL ──

/**
 * The window's calls of the prompt (optionally of some versions only), each
 * call's output score, and each (version, run) pair with its cost and first
 * call. The (promptName, promptVersion) index finds the calls.
 */
function callsCte(name: string, window: DriftWindow, versions?: readonly number[]): Prisma.Sql {
  const versionFilter = versions ? Prisma.sql`AND s."promptVersion" IN (${Prisma.join(versions)})` : Prisma.empty;
  return Prisma.sql`
    calls AS (
      SELECT s.id, s."runId", s."promptVersion" AS version, s.status, s."startedAt",
        s."inputTokens", s."outputTokens", s."cachedInputTokens", s."costUsd", s.unpriced
      FROM "Step" s
      WHERE s."promptName" = ${name} ${versionFilter}
        AND s.kind = 'LLM_CALL' AND s."startedAt" >= ${window.from} AND s."startedAt" < ${window.to}
    ),
    scores AS (
      SELECT e."stepId",
        COALESCE(
          (array_agg(e.score ORDER BY e."createdAt" DESC, e.id DESC) FILTER (WHERE e.source = 'HUMAN'))[1],
          avg(e.score) FILTER (WHERE e.source <> 'HUMAN')
        ) AS score
      FROM "Evaluation" e JOIN calls c ON c.id = e."stepId"
      WHERE e.kind = 'OUTPUT' AND e.score IS NOT NULL
      GROUP BY e."stepId"
    ),
    run_calls AS (
      SELECT c.version, c."runId", min(c."startedAt") AS first_at, coalesce(sum(c."costUsd"), 0) AS cost
      FROM calls c
      GROUP BY c.version, c."runId"
    )`;
}

// ── per version ──

export interface PromptVersionStats {
  /** null: calls that named the prompt without a version. */
  version: number | null;
  calls: number;
  /** Failed calls. */
  errors: number;
  /** errors / calls, with its Wilson interval. */
  errorRate: ProportionEstimate;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /** Of the priced calls; see unpricedCalls. */
  costUsd: number;
  unpricedCalls: number;
  /** Mean output score (0..1) of the scored calls; n = scored calls. */
  meanScore: MeanEstimate;
  runs: number;
  /** Runs whose outcome is SUCCESS or FAILURE. */
  runsWithOutcome: number;
  successes: number;
  /** successes / runsWithOutcome, with its Wilson interval. */
  successRate: ProportionEstimate;
  /** costUsd / runs; null without runs. A lower bound when some calls are unpriced. */
  costPerRun: number | null;
  /** Cost of the calls in runs with an outcome / successes; null without a success. */
  costPerSuccessfulRun: number | null;
  /** null only for a canary arm with no calls yet. */
  firstCallAt: Date | null;
  lastCallAt: Date | null;
}

interface VersionRow {
  version: number | null;
  calls: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  cost: number;
  unpriced: number;
  scored: number;
  mean_score: number | null;
  sd_score: number | null;
  first_at: Date | null;
  last_at: Date | null;
  runs: number;
  with_outcome: number;
  successes: number;
  outcome_cost: number;
}

async function versionStats(name: string, window: DriftWindow, versions?: readonly number[]): Promise<PromptVersionStats[]> {
  const rows = await db.$queryRaw<VersionRow[]>`
    WITH ${callsCte(name, window, versions)},
    call_stats AS (
      SELECT c.version, count(*)::int AS calls,
        count(*) FILTER (WHERE c.status = 'FAILED')::int AS errors,
        coalesce(sum(c."inputTokens"), 0)::float8 AS input_tokens,
        coalesce(sum(c."outputTokens"), 0)::float8 AS output_tokens,
        coalesce(sum(c."cachedInputTokens"), 0)::float8 AS cached_input_tokens,
        coalesce(sum(c."costUsd"), 0)::float8 AS cost,
        count(*) FILTER (WHERE c.unpriced)::int AS unpriced,
        count(sc.score)::int AS scored,
        avg(sc.score)::float8 AS mean_score,
        stddev_samp(sc.score)::float8 AS sd_score,
        min(c."startedAt") AS first_at,
        max(c."startedAt") AS last_at
      FROM calls c LEFT JOIN scores sc ON sc."stepId" = c.id
      GROUP BY c.version
    ),
    run_stats AS (
      SELECT rc.version, count(*)::int AS runs,
        count(*) FILTER (WHERE r.outcome <> 'UNKNOWN')::int AS with_outcome,
        count(*) FILTER (WHERE r.outcome = 'SUCCESS')::int AS successes,
        coalesce(sum(rc.cost) FILTER (WHERE r.outcome <> 'UNKNOWN'), 0)::float8 AS outcome_cost
      FROM run_calls rc JOIN "Run" r ON r.id = rc."runId"
      GROUP BY rc.version
    )
    SELECT cs.*, coalesce(rs.runs, 0) AS runs, coalesce(rs.with_outcome, 0) AS with_outcome,
      coalesce(rs.successes, 0) AS successes, coalesce(rs.outcome_cost, 0) AS outcome_cost
    FROM call_stats cs LEFT JOIN run_stats rs ON rs.version IS NOT DISTINCT FROM cs.version
    ORDER BY cs.version DESC NULLS LAST`;
  return rows.map(toVersionStats);
}

function toVersionStats(r: VersionRow): PromptVersionStats {
  return {
    version: r.version,
    calls: r.calls,
    errors: r.errors,
    errorRate: wilsonInterval(r.errors, r.calls),
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cachedInputTokens: r.cached_input_tokens,
    costUsd: r.cost,
    unpricedCalls: r.unpriced,
    meanScore: meanInterval({ n: r.scored, mean: r.mean_score, sd: r.sd_score }),
    runs: r.runs,
    runsWithOutcome: r.with_outcome,
    successes: r.successes,
    successRate: wilsonInterval(r.successes, r.with_outcome),
    costPerRun: r.runs > 0 ? r.cost / r.runs : null,
    costPerSuccessfulRun: r.successes > 0 ? r.outcome_cost / r.successes : null,
    firstCallAt: r.first_at,
    lastCallAt: r.last_at,
  };
}

/** Each version's numbers over the window, newest version first; throws `not_found:prompt`. */
export async function promptVersionStats(name: string, window: DriftWindowInput = {}): Promise<PromptVersionStats[]> {
  await promptIdOf(name);
  return versionStats(name, resolveDriftWindow(window));
}

// ── over time ──

export type DriftBucket = "day" | "hour";

/** One version in one UTC day or hour. */
export interface DriftPoint {
  /** Start of the bucket (UTC). */
  bucket: Date;
  version: number | null;
  calls: number;
  errors: number;
  errorRate: number | null;
  scored: number;
  meanScore: number | null;
  /** Runs whose first call of this version fell in this bucket. */
  runs: number;
  runsWithOutcome: number;
  successes: number;
  successRate: number | null;
}

interface PointRow {
  bucket: Date;
  version: number | null;
  calls: number;
  errors: number;
  scored: number;
  mean_score: number | null;
  runs: number;
  with_outcome: number;
  successes: number;
}

/**
 * Each version per UTC bucket, oldest first; only buckets with calls. A run
 * counts in the bucket of its first call of the version, never twice.
 * Throws `not_found:prompt`.
 */
export async function promptDriftSeries(name: string, options: DriftWindowInput & { bucket?: DriftBucket } = {}): Promise<DriftPoint[]> {
  await promptIdOf(name);
  const window = resolveDriftWindow(options);
  // A fixed literal, never user text: the column is a UTC timestamp without time zone, so date_trunc needs no zone.
  const unit = Prisma.raw(options.bucket === "hour" ? "'hour'" : "'day'");
  const rows = await db.$queryRaw<PointRow[]>`
    WITH ${callsCte(name, window)},
    call_buckets AS (
      SELECT date_trunc(${unit}, c."startedAt") AS bucket, c.version, count(*)::int AS calls,
        count(*) FILTER (WHERE c.status = 'FAILED')::int AS errors,
        count(sc.score)::int AS scored, avg(sc.score)::float8 AS mean_score
      FROM calls c LEFT JOIN scores sc ON sc."stepId" = c.id
      GROUP BY 1, 2
    ),
    run_buckets AS (
      SELECT date_trunc(${unit}, rc.first_at) AS bucket, rc.version, count(*)::int AS runs,
        count(*) FILTER (WHERE r.outcome <> 'UNKNOWN')::int AS with_outcome,
        count(*) FILTER (WHERE r.outcome = 'SUCCESS')::int AS successes
      FROM run_calls rc JOIN "Run" r ON r.id = rc."runId"
      GROUP BY 1, 2
    )
    SELECT cb.*, coalesce(rb.runs, 0) AS runs, coalesce(rb.with_outcome, 0) AS with_outcome, coalesce(rb.successes, 0) AS successes
    FROM call_buckets cb
    LEFT JOIN run_buckets rb ON rb.bucket = cb.bucket AND rb.version IS NOT DISTINCT FROM cb.version
    ORDER BY cb.bucket, cb.version NULLS LAST`;
  return rows.map((r) => ({
    bucket: r.bucket,
    version: r.version,
    calls: r.calls,
    errors: r.errors,
    errorRate: r.calls > 0 ? r.errors / r.calls : null,
    scored: r.scored,
    meanScore: r.mean_score,
    runs: r.runs,
    runsWithOutcome: r.with_outcome,
    successes: r.successes,
    successRate: r.with_outcome > 0 ? r.successes / r.with_outcome : null,
  }));
}

// ── label moves ──

export interface LabelMoveMarker {
  label: string;
  /** null: the label was removed. */
  version: number | null;
  fromVersion: number | null;
  canaryVersion: number | null;
  canaryWeight: number | null;
  movedBy: string;
  movedAt: Date;
  changeId: string;
}

const MAX_MOVES = 500;

/** Every label move of the prompt inside the window, oldest first (the chart's markers); throws `not_found:prompt`. */
export async function labelMoves(name: string, window: DriftWindowInput = {}): Promise<LabelMoveMarker[]> {
  const promptId = await promptIdOf(name);
  const { from, to } = resolveDriftWindow(window);
  const rows = await db.promptLabelMove.findMany({
    where: { promptId, movedAt: { gte: from, lt: to } },
    orderBy: [{ movedAt: "asc" }, { id: "asc" }],
    take: MAX_MOVES,
    select: { label: true, version: true, fromVersion: true, canaryVersion: true, canaryWeight: true, movedByName: true, movedAt: true, changeId: true },
  });
  return rows.map(({ movedByName, ...r }) => ({ ...r, movedBy: movedByName }));
}

// ── canary / A-B ──

export interface CanaryArm {
  role: "control" | "canary";
  version: number;
  /** Percent of callers sent to this arm. */
  weight: number;
  stats: PromptVersionStats;
}

export interface ArmComparison {
  label: string;
  window: DriftWindow;
  /** "split": the window starts when the label took its current two versions; "default": no move on record, the last 30 days. */
  windowStart: "split" | "default" | "given";
  control: CanaryArm;
  canary: CanaryArm;
  /** Outcome success rate, canary − control, with its interval and verdict. */
  successRate: ProportionComparison;
  verdict: ComparisonVerdict;
  /** The verdict in a sentence, naming the versions. */
  summary: string;
}

function emptyStats(version: number): PromptVersionStats {
  return toVersionStats({
    version,
    calls: 0,
    errors: 0,
    input_tokens: 0,
    output_tokens: 0,
    cached_input_tokens: 0,
    cost: 0,
    unpriced: 0,
    scored: 0,
    mean_score: null,
    sd_score: null,
    first_at: null,
    last_at: null,
    runs: 0,
    with_outcome: 0,
    successes: 0,
    outcome_cost: 0,
  });
}

/**
 * When the label began splitting between its current two versions: the first
 * of the latest unbroken series of moves that kept both (a weight change keeps
 * the arms, so it does not restart the comparison).
 */
async function splitStart(promptId: string, label: string, control: number, canary: number, notBefore: Date): Promise<Date | null> {
  const moves = await db.promptLabelMove.findMany({
    where: { promptId, label, movedAt: { gte: notBefore } },
    orderBy: [{ movedAt: "desc" }, { id: "desc" }],
    take: 200,
    select: { version: true, canaryVersion: true, movedAt: true },
  });
  let start: Date | null = null;
  for (const m of moves) {
    if (m.version !== control || m.canaryVersion !== canary) break;
    start = m.movedAt;
  }
  return start;
}

interface LabelWithCanary {
  name: string;
  version: { version: number };
  canaryVersion: { version: number } | null;
  canaryWeight: number | null;
}

async function compareLabel(name: string, promptId: string, label: LabelWithCanary, input: DriftWindowInput): Promise<ArmComparison | null> {
  if (!label.canaryVersion || !label.canaryWeight) return null;
  const control = label.version.version;
  const canary = label.canaryVersion.version;
  let window: DriftWindow;
  let windowStart: ArmComparison["windowStart"];
  if (input.from) {
    window = resolveDriftWindow(input);
    windowStart = "given";
  } else {
    const to = input.to ?? new Date();
    const earliest = new Date(to.getTime() - MAX_WINDOW_DAYS * DAY_MS);
    const start = await splitStart(promptId, label.name, control, canary, earliest);
    window = start && start.getTime() < to.getTime() ? resolveDriftWindow({ from: start, to }) : resolveDriftWindow({ to });
    windowStart = start && start.getTime() < to.getTime() ? "split" : "default";
  }
  const stats = await versionStats(name, window, [control, canary]);
  const of = (v: number) => stats.find((s) => s.version === v) ?? emptyStats(v);
  const controlStats = of(control);
  const canaryStats = of(canary);
  const successRate = compareProportions(
    { successes: controlStats.successes, n: controlStats.runsWithOutcome },
    { successes: canaryStats.successes, n: canaryStats.runsWithOutcome },
  );
  return {
    label: label.name,
    window,
    windowStart,
    control: { role: "control", version: control, weight: 100 - label.canaryWeight, stats: controlStats },
    canary: { role: "canary", version: canary, weight: label.canaryWeight, stats: canaryStats },
    successRate,
    verdict: successRate.verdict,
    summary: verdictText(successRate, { control: `v${control}`, canary: `v${canary}` }),
  };
}

const LABEL_SELECT = { name: true, version: { select: { version: true } }, canaryVersion: { select: { version: true } }, canaryWeight: true } as const;

/**
 * The two arms of a label's canary/A-B split, control (the label's version)
 * against canary, since the split began (at most 90 days) unless a window is
 * given. null when the label has no canary; throws `not_found:prompt|prompt_label`.
 */
export async function compareArms(name: string, label: string, window: DriftWindowInput = {}): Promise<ArmComparison | null> {
  const promptId = await promptIdOf(name);
  const row = await db.promptLabel.findUnique({ where: { promptId_name: { promptId, name: label } }, select: LABEL_SELECT });
  if (!row) throw new AppError("not_found:prompt_label", `The prompt “${name}” has no label “${label}”.`);
  return compareLabel(name, promptId, row, window);
}

/** compareArms for every label of the prompt that has a canary, by label name; throws `not_found:prompt`. */
export async function compareCanaryLabels(name: string, window: DriftWindowInput = {}): Promise<ArmComparison[]> {
  const promptId = await promptIdOf(name);
  const labels = await db.promptLabel.findMany({ where: { promptId, canaryVersionId: { not: null } }, orderBy: { name: "asc" }, select: LABEL_SELECT });
  const compared = await Promise.all(labels.map((l) => compareLabel(name, promptId, l, window)));
  return compared.filter((c): c is ArmComparison => c !== null);
}
