/**
 * The spend report: calls, tokens and cost per day, model, agent, team or
 * prompt version over a range of UTC days, with the previous period of equal
 * length beside it, the top movers and the chart's series; the JSON of
 * `GET /api/v1/spend` and the pages of the CSV export. Reads the daily rollup
 * (SpendDaily, lib/spend/rollup.ts) only, never the steps: a 30-day view is a
 * range of its primary key (day first), or of (teamId, day) / (agentId, day)
 * when filtered by team or agent. Sums are PostgreSQL numeric, carried as
 * decimal strings until display, so totals are exact to the nano-dollar.
 */
import "server-only";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { csvStream, fromNanos, toNanos, type CsvPage, type CsvValue } from "./csv";
import { addDays, daysOf, parsePromptKey, previousPeriod, rangeDays, type SpendFilters, type SpendGroup, type SpendGroupRef, type SpendQuery, type SpendRange, type SpendReportJson } from "./report-schema";

const sql = Prisma.sql;

export interface SpendMeasures {
  calls: number;
  /** Calls with no price: counted, their cost unknown (not in costUsd). */
  unpricedCalls: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /** Exact decimal, 9 places. */
  costUsd: string;
}

/** What the previous period is compared on. */
export type SpendPrevious = Pick<SpendMeasures, "calls" | "unpricedCalls" | "costUsd">;

export interface SpendReportRow extends SpendMeasures {
  /** The group's readable key as the API writes it: `2026-11-01`, a model, agent or team name, `prompt@version`; "" for none. */
  key: string;
  /** For people: "No team", "support-triage v3"… */
  label: string;
  ref: SpendGroupRef;
  /** The rollup's own id of the group (an agent's or team's id, else as the key). */
  groupId: string;
  /** The same group in the previous period (for days: the day as many days earlier as the range is long). */
  previous: SpendPrevious;
}

export interface SpendChartSeries {
  /** `s0`… in the order drawn; `other` for the rest. */
  id: string;
  label: string;
  ref: SpendGroupRef | null;
}

export interface SpendChart {
  series: SpendChartSeries[];
  /** One entry per day of the range (empty days included), cost per series id as a number (display only). */
  days: { day: string; costs: Record<string, number> }[];
}

export interface SpendMover {
  key: string;
  label: string;
  ref: SpendGroupRef;
  costUsd: string;
  previousCostUsd: string;
  change: SpendChange;
}

export interface SpendReport {
  query: SpendQuery;
  previousRange: SpendRange;
  /** Groups with calls in the range, largest cost first (days in order). */
  rows: SpendReportRow[];
  total: SpendMeasures;
  previousTotal: SpendPrevious;
  /** The models behind the unpriced calls, most calls first. */
  unpricedModels: { model: string; calls: number }[];
  /** null when grouped by day (a day is not a group that moves). */
  movers: { increases: SpendMover[]; decreases: SpendMover[] } | null;
  chart: SpendChart;
}

// ── pure helpers (unit tested) ──

export interface SpendChange {
  /** current − previous, exact. */
  deltaUsd: string;
  /** delta / previous; null when the previous period cost nothing (new spend). */
  ratio: number | null;
}

export function changeOf(currentUsd: string, previousUsd: string): SpendChange {
  const current = toNanos(currentUsd);
  const previous = toNanos(previousUsd);
  const delta = current - previous;
  return { deltaUsd: fromNanos(delta), ratio: previous === 0n ? null : Number(delta) / Number(previous) };
}

/** A row's share of the total cost (0..1); null when the total is zero (nothing priced). */
export function shareOf(costUsd: string, totalUsd: string): number | null {
  const total = toNanos(totalUsd);
  if (total === 0n) return null;
  return Number(toNanos(costUsd)) / Number(total);
}

/**
 * The groups whose cost rose most and fell most against the previous period
 * (a group that stopped spending falls by all it spent); unchanged ones are neither.
 */
export function topMovers<R extends { key: string; costUsd: string; previousCostUsd: string }>(rows: readonly R[], n = 5): { increases: (R & { change: SpendChange })[]; decreases: (R & { change: SpendChange })[] } {
  const changed = rows
    .map((r) => ({ ...r, change: changeOf(r.costUsd, r.previousCostUsd), delta: toNanos(r.costUsd) - toNanos(r.previousCostUsd) }))
    .filter((r) => r.delta !== 0n);
  const byDelta = (a: { delta: bigint; key: string }, b: { delta: bigint; key: string }) => (a.delta === b.delta ? a.key.localeCompare(b.key) : a.delta > b.delta ? -1 : 1);
  const strip = ({ delta: _delta, ...r }: (typeof changed)[number]) => r as R & { change: SpendChange };
  const increases = changed.filter((r) => r.delta > 0n).sort(byDelta).slice(0, n).map(strip);
  const decreases = changed
    .filter((r) => r.delta < 0n)
    .sort((a, b) => byDelta(b, a))
    .slice(0, n)
    .map(strip);
  return { increases, decreases };
}

/** The readable key and label of a group from its rollup columns (`name` is the agent's or team's, when it has one). */
export function describeGroup(group: SpendGroup, id: string, version: number, name: string | null): { key: string; label: string; ref: SpendGroupRef } {
  const none = id === "";
  switch (group) {
    case "day":
      return { key: id, label: id, ref: { group, name: id, version: 0, none: false } };
    case "model":
      return { key: id, label: none ? "No model" : id, ref: { group, name: id, version: 0, none } };
    case "agent":
    case "team": {
      const noun = group === "agent" ? "agent" : "team";
      if (none) return { key: "", label: `No ${noun}`, ref: { group, name: "", version: 0, none } };
      // A removed agent or team keeps its spend under its id.
      if (name === null) return { key: id, label: `Unknown ${noun} (${id})`, ref: { group, name: id, version: 0, none: false } };
      return { key: name, label: name, ref: { group, name, version: 0, none } };
    }
    case "prompt": {
      if (none) return { key: "", label: "No prompt", ref: { group, name: "", version: 0, none } };
      const key = version > 0 ? `${id}@${version}` : id;
      return { key, label: version > 0 ? `${id} v${version}` : `${id} (no version)`, ref: { group, name: id, version, none } };
    }
  }
}

const ZERO: SpendMeasures = { calls: 0, unpricedCalls: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: "0.000000000" };

// ── SQL ──

interface GroupSql {
  /** The group's id as text (day, model, agentId, teamId, promptName). */
  id: Prisma.Sql;
  version: Prisma.Sql;
  columns: Prisma.Sql;
  /** The agent's or team's name for `g.gid`, else NULL. */
  name: Prisma.Sql;
}

const GROUP_SQL: Record<SpendGroup, GroupSql> = {
  day: { id: sql`to_char(s.day, 'YYYY-MM-DD')`, version: sql`0`, columns: sql`s.day`, name: sql`NULL::text` },
  model: { id: sql`s.model`, version: sql`0`, columns: sql`s.model`, name: sql`NULL::text` },
  agent: { id: sql`s."agentId"`, version: sql`0`, columns: sql`s."agentId"`, name: sql`(SELECT a.name FROM "Agent" a WHERE a.id = g.gid)` },
  team: { id: sql`s."teamId"`, version: sql`0`, columns: sql`s."teamId"`, name: sql`(SELECT t.name FROM "Team" t WHERE t.id = g.gid)` },
  prompt: { id: sql`s."promptName"`, version: sql`s."promptVersion"`, columns: sql`s."promptName", s."promptVersion"`, name: sql`NULL::text` },
};

/** Filters on the rollup; unknown names match nothing (an empty report, never an error). */
function filterConditions(filters: SpendFilters): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (filters.agent) where.push(sql`s."agentId" IN (SELECT id FROM "Agent" WHERE name = ${filters.agent})`);
  if (filters.team) where.push(sql`s."teamId" IN (SELECT id FROM "Team" WHERE name = ${filters.team})`);
  if (filters.model) where.push(sql`s.model = ${filters.model}`);
  if (filters.prompt) {
    const { name, version } = parsePromptKey(filters.prompt);
    where.push(sql`s."promptName" = ${name}`);
    if (version !== null) where.push(sql`s."promptVersion" = ${version}`);
  }
  return where;
}

/** Days as text cast on the server: a JavaScript Date would travel as a timestamp and meet the session's time zone. */
function rangeCondition(range: SpendRange, filters: SpendFilters): Prisma.Sql {
  return Prisma.join([sql`s.day >= ${range.from}::date`, sql`s.day <= ${range.to}::date`, ...filterConditions(filters)], " AND ");
}

const COST = (expr: Prisma.Sql) => sql`coalesce(${expr}, 0)::numeric(30, 9)::text`;

/** The measures over the rows matching `when` (or all). */
function measures(when: Prisma.Sql | null): Prisma.Sql {
  const f = when ? sql` FILTER (WHERE ${when})` : Prisma.empty;
  return sql`coalesce(sum(s.calls)${f}, 0)::float8 AS calls,
    coalesce(sum(s."unpricedCalls")${f}, 0)::float8 AS unpriced,
    coalesce(sum(s."inputTokens")${f}, 0)::float8 AS input,
    coalesce(sum(s."outputTokens")${f}, 0)::float8 AS output,
    coalesce(sum(s."cachedInputTokens")${f}, 0)::float8 AS cached,
    ${COST(sql`sum(s."costUsd")${f}`)} AS cost`;
}

/** What the previous period is compared on, over the rows matching `when` (fewer sums: they are half the scan); zeros without one. */
function previousSums(when: Prisma.Sql | null): Prisma.Sql {
  if (!when) return sql`0::float8 AS prev_calls, 0::float8 AS prev_unpriced, '0.000000000' AS prev_cost`;
  const f = sql` FILTER (WHERE ${when})`;
  return sql`coalesce(sum(s.calls)${f}, 0)::float8 AS prev_calls,
    coalesce(sum(s."unpricedCalls")${f}, 0)::float8 AS prev_unpriced,
    ${COST(sql`sum(s."costUsd")${f}`)} AS prev_cost`;
}

interface MeasureColumns {
  calls: number;
  unpriced: number;
  input: number;
  output: number;
  cached: number;
  cost: string;
}

interface ReportRow extends MeasureColumns {
  gid: string | null;
  gver: number | null;
  name: string | null;
  prev_calls: number;
  prev_unpriced: number;
  prev_cost: string;
}

const toMeasures = (r: MeasureColumns): SpendMeasures => ({
  calls: r.calls,
  unpricedCalls: r.unpriced,
  inputTokens: r.input,
  outputTokens: r.output,
  cachedInputTokens: r.cached,
  costUsd: r.cost,
});

const previousMeasures = (r: ReportRow): SpendPrevious => ({ calls: r.prev_calls, unpricedCalls: r.prev_unpriced, costUsd: r.prev_cost });

/**
 * One pass over the range, and the previous period with `previous`: per group
 * the measures of [from, to] and the previous period's sums, and the totals of
 * both (the empty grouping set: the row whose gid is NULL).
 */
async function groupedSpend(query: SpendQuery, previous: SpendRange | null): Promise<{ groups: ReportRow[]; total: ReportRow | null }> {
  const g = GROUP_SQL[query.groupBy];
  const scanFrom = previous ? previous.from : query.from;
  const current = previous ? sql`s.day >= ${query.from}::date` : null;
  const before = previous ? sql`s.day < ${query.from}::date` : null;
  const rows = await db.$queryRaw<ReportRow[]>`
    SELECT g.*, ${g.name} AS name
    FROM (
      SELECT ${g.id} AS gid, ${g.version} AS gver, ${measures(current)}, ${previousSums(before)}
      FROM "SpendDaily" s
      WHERE ${rangeCondition({ from: scanFrom, to: query.to }, query)}
      GROUP BY GROUPING SETS ((${g.columns}), ())
    ) g`;
  return { groups: rows.filter((r) => r.gid !== null), total: rows.find((r) => r.gid === null) ?? null };
}

function toReportRows(query: SpendQuery, groups: ReportRow[]): { rows: SpendReportRow[]; previousOnly: SpendReportRow[] } {
  const shift = rangeDays(query);
  const byDay = query.groupBy === "day" ? new Map(groups.map((r) => [r.gid!, r])) : null;
  const rows: SpendReportRow[] = [];
  const previousOnly: SpendReportRow[] = [];
  for (const r of groups) {
    // Grouped by day, the previous period's days are rows of their own: each is the "previous" of a later day.
    if (byDay && r.gid! < query.from) continue;
    const before = byDay ? byDay.get(addDays(r.gid!, -shift)) : r;
    const prev = before ? previousMeasures(before) : ZERO;
    const row: SpendReportRow = {
      ...describeGroup(query.groupBy, r.gid!, r.gver ?? 0, r.name),
      groupId: r.gid!,
      ...toMeasures(r),
      previous: { calls: prev.calls, unpricedCalls: prev.unpricedCalls, costUsd: prev.costUsd },
    };
    (r.calls > 0 ? rows : previousOnly).push(row);
  }
  if (query.groupBy === "day") rows.sort((a, b) => a.key.localeCompare(b.key));
  else rows.sort(byCostDesc);
  return { rows, previousOnly };
}

function byCostDesc(a: SpendMeasures & { label: string }, b: SpendMeasures & { label: string }): number {
  const d = toNanos(b.costUsd) - toNanos(a.costUsd);
  if (d !== 0n) return d > 0n ? 1 : -1;
  return b.calls - a.calls || a.label.localeCompare(b.label);
}

async function unpricedModels(query: SpendQuery): Promise<{ model: string; calls: number }[]> {
  return db.$queryRaw<{ model: string; calls: number }[]>`
    SELECT s.model, sum(s."unpricedCalls")::float8 AS calls
    FROM "SpendDaily" s
    WHERE ${rangeCondition(query, query)} AND s."unpricedCalls" > 0
    GROUP BY s.model
    ORDER BY calls DESC, s.model`;
}

/** The chart draws this many groups; the rest are stacked as "Other". */
export const CHART_SERIES = 6;

interface ChartRow {
  day: string;
  gid: string | null;
  gver: number | null;
  cost: string;
}

/**
 * Cost per day of the range's CHART_SERIES costliest groups, the rest as one
 * (gid NULL): one scan of the range aggregated per (day, group), then the
 * small per-day table regrouped. Nothing to read when grouped by day.
 */
async function chartPoints(query: SpendQuery): Promise<ChartRow[]> {
  if (query.groupBy === "day") return [];
  const g = GROUP_SQL[query.groupBy];
  return db.$queryRaw<ChartRow[]>`
    WITH per_day AS (
      SELECT s.day, ${g.id} AS gid, ${g.version} AS gver, sum(s.calls) AS calls, sum(s."costUsd") AS cost
      FROM "SpendDaily" s
      WHERE ${rangeCondition(query, query)}
      GROUP BY s.day, ${g.columns}
    ), top AS (
      SELECT gid, gver FROM per_day GROUP BY gid, gver
      ORDER BY sum(cost) DESC, sum(calls) DESC, gid, gver
      LIMIT ${CHART_SERIES}
    )
    SELECT to_char(p.day, 'YYYY-MM-DD') AS day, t.gid, t.gver, ${COST(sql`sum(p.cost)`)} AS cost
    FROM per_day p LEFT JOIN top t ON t.gid = p.gid AND t.gver = p.gver
    GROUP BY p.day, t.gid, t.gver
    ORDER BY p.day`;
}

/** The chart's series, named and ordered as the table's rows (largest cost first), and a value per day. */
function toChart(query: SpendQuery, rows: SpendReportRow[], points: ChartRow[]): SpendChart {
  const days = daysOf(query);
  if (query.groupBy === "day") {
    const cost = new Map(rows.map((r) => [r.key, Number(r.costUsd)]));
    return { series: [{ id: "s0", label: "Cost", ref: null }], days: days.map((day) => ({ day, costs: { s0: cost.get(day) ?? 0 } })) };
  }
  const drawn = new Set(points.filter((p) => p.gid !== null).map((p) => groupId(p.gid!, p.gver ?? 0)));
  const seriesOf = new Map<string, string>();
  const series: SpendChartSeries[] = [];
  for (const r of rows) {
    const id = groupId(r.groupId, r.ref.version);
    if (!drawn.has(id)) continue;
    seriesOf.set(id, `s${series.length}`);
    series.push({ id: `s${series.length}`, label: r.label, ref: r.ref });
  }
  if (points.some((p) => p.gid === null)) series.push({ id: "other", label: "Other", ref: null });
  const byDay = new Map(days.map((day) => [day, {} as Record<string, number>]));
  for (const p of points) {
    const costs = byDay.get(p.day);
    const id = p.gid === null ? "other" : seriesOf.get(groupId(p.gid, p.gver ?? 0));
    if (costs && id) costs[id] = (costs[id] ?? 0) + Number(p.cost);
  }
  return { series, days: days.map((day) => ({ day, costs: byDay.get(day)! })) };
}

function groupId(id: string, version: number): string {
  return `${id}\u0000${version}`;
}

/** The page's report: rows, totals, the previous period, unpriced calls, movers and the chart. */
export async function getSpendReport(query: SpendQuery): Promise<SpendReport> {
  const previousRange = previousPeriod(query);
  // Three statements at once, each one pass over the range (the first also over the previous period).
  const [{ groups, total }, unpriced, points] = await Promise.all([groupedSpend(query, previousRange), unpricedModels(query), chartPoints(query)]);
  const { rows, previousOnly } = toReportRows(query, groups);
  const chart = toChart(query, rows, points);
  const movers =
    query.groupBy === "day"
      ? null
      : topMovers([...rows, ...previousOnly].map((r) => ({ key: r.key, label: r.label, ref: r.ref, costUsd: r.costUsd, previousCostUsd: r.previous.costUsd })));
  return {
    query,
    previousRange,
    rows,
    total: total ? toMeasures(total) : ZERO,
    previousTotal: total ? previousMeasures(total) : ZERO,
    unpricedModels: unpriced,
    movers,
    chart,
  };
}

/** `GET /api/v1/spend`: the range's groups (no previous period), their exact total and the unpriced models. */
export async function getSpendJson(query: SpendQuery): Promise<SpendReportJson> {
  const [{ groups, total }, unpriced] = await Promise.all([groupedSpend(query, null), unpricedModels(query)]);
  const measuresJson = (m: SpendMeasures) => ({
    calls: m.calls,
    inputTokens: m.inputTokens,
    outputTokens: m.outputTokens,
    cachedInputTokens: m.cachedInputTokens,
    costUsd: Number(m.costUsd),
    unpricedCalls: m.unpricedCalls,
  });
  return {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    rows: toReportRows(query, groups).rows.map((r) => ({ key: r.key, label: r.label, ...measuresJson(r) })),
    total: measuresJson(total ? toMeasures(total) : ZERO),
    unpricedModels: unpriced,
  };
}

// ── CSV export, page by page ──

export const SPEND_CSV_COLUMNS = ["key", "calls", "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", "unpricedCalls"] as const;
export const SPEND_DETAIL_CSV_COLUMNS = ["day", "team", "agent", "model", "prompt", "calls", "inputTokens", "outputTokens", "cachedInputTokens", "costUsd", "unpricedCalls"] as const;

/** Grouped exports have at most a few thousand lines (366 days, or one per model, agent, team or version). */
const GROUPED_PAGE = 1_000;
/** Detail lines per read: one indexed range of the rollup's primary key each. */
const DETAIL_PAGE = 5_000;

const measureCells = (m: SpendMeasures): CsvValue[] => [m.calls, m.inputTokens, m.outputTokens, m.cachedInputTokens, m.costUsd, m.unpricedCalls];

interface GroupedCursor {
  sort: string;
  gid: string;
  gver: number;
}

interface GroupedCsvRow extends MeasureColumns {
  gid: string;
  gver: number;
  name: string | null;
  sort: string;
}

/**
 * One page of groups in the order of their readable key (days in order, names
 * alphabetically), after the cursor. Keyset paging: each page is one statement,
 * whatever came before.
 */
async function groupedCsvPage(query: SpendQuery, cursor: GroupedCursor | null, limit: number): Promise<CsvPage<GroupedCursor>> {
  const g = GROUP_SQL[query.groupBy];
  const after = cursor ? sql`(x.sort, x.gid, x.gver) > (${cursor.sort}, ${cursor.gid}, ${cursor.gver}::int4)` : sql`TRUE`;
  const rows = await db.$queryRaw<GroupedCsvRow[]>`
    SELECT x.* FROM (
      SELECT g.*, ${g.name} AS name, coalesce(${g.name}, g.gid) AS sort
      FROM (
        SELECT ${g.id} AS gid, ${g.version}::int4 AS gver, ${measures(null)}
        FROM "SpendDaily" s
        WHERE ${rangeCondition(query, query)}
        GROUP BY ${g.columns}
      ) g
    ) x
    WHERE ${after}
    ORDER BY x.sort, x.gid, x.gver
    LIMIT ${limit + 1}`;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    lines: page.map((r) => [describeGroup(query.groupBy, r.gid, r.gver, r.name).key, ...measureCells(toMeasures(r))]),
    next: rows.length > limit && last ? { sort: last.sort, gid: last.gid, gver: last.gver } : null,
  };
}

interface DetailCursor {
  day: string;
  teamId: string;
  agentId: string;
  model: string;
  promptName: string;
  promptVersion: number;
}

interface DetailRow extends DetailCursor, MeasureColumns {
  team: string | null;
  agent: string | null;
}

/** One page of rollup rows in primary-key order after the cursor: an index range scan, however far in. */
async function detailCsvPage(query: SpendQuery, cursor: DetailCursor | null, limit: number): Promise<CsvPage<DetailCursor>> {
  const after = cursor
    ? sql`(s.day, s."teamId", s."agentId", s.model, s."promptName", s."promptVersion") >
        (${cursor.day}::date, ${cursor.teamId}, ${cursor.agentId}, ${cursor.model}, ${cursor.promptName}, ${cursor.promptVersion}::int4)`
    : sql`TRUE`;
  const rows = await db.$queryRaw<DetailRow[]>`
    SELECT to_char(s.day, 'YYYY-MM-DD') AS day, s."teamId", s."agentId", s.model, s."promptName", s."promptVersion",
      t.name AS team, a.name AS agent,
      s.calls::float8 AS calls, s."unpricedCalls"::float8 AS unpriced, s."inputTokens"::float8 AS input,
      s."outputTokens"::float8 AS output, s."cachedInputTokens"::float8 AS cached, s."costUsd"::numeric(30, 9)::text AS cost
    FROM "SpendDaily" s
      LEFT JOIN "Team" t ON t.id = s."teamId"
      LEFT JOIN "Agent" a ON a.id = s."agentId"
    WHERE ${rangeCondition(query, query)} AND ${after}
    ORDER BY s.day, s."teamId", s."agentId", s.model, s."promptName", s."promptVersion"
    LIMIT ${limit + 1}`;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    lines: page.map((r) => [
      r.day,
      describeGroup("team", r.teamId, 0, r.team).key,
      describeGroup("agent", r.agentId, 0, r.agent).key,
      r.model,
      describeGroup("prompt", r.promptName, r.promptVersion, null).key,
      ...measureCells(toMeasures(r)),
    ]),
    next:
      rows.length > limit && last
        ? { day: last.day, teamId: last.teamId, agentId: last.agentId, model: last.model, promptName: last.promptName, promptVersion: last.promptVersion }
        : null,
  };
}

export function spendCsvFilename(query: SpendQuery, detail: boolean): string {
  return `flightdeck-spend-${query.from}-to-${query.to}-${detail ? "detail" : `by-${query.groupBy}`}.csv`;
}

/**
 * The CSV export of a view as a stream: a header, then the groups (or, with
 * `detail`, every rollup row: day, team, agent, model, prompt version) read in
 * pages as the client downloads them. The cost column sums to the report's total.
 */
export function spendCsv(query: SpendQuery, { detail = false, pageSize }: { detail?: boolean; pageSize?: number } = {}): { filename: string; body: ReadableStream<Uint8Array> } {
  const onError = (error: unknown) => console.error("[flightdeck] spend CSV export failed mid-stream", error);
  const body = detail
    ? csvStream<DetailCursor>(SPEND_DETAIL_CSV_COLUMNS, (cursor) => detailCsvPage(query, cursor, pageSize ?? DETAIL_PAGE), onError)
    : csvStream<GroupedCursor>(SPEND_CSV_COLUMNS, (cursor) => groupedCsvPage(query, cursor, pageSize ?? GROUPED_PAGE), onError);
  return { filename: spendCsvFilename(query, detail), body };
}

/** The CSV download as a response (the API's and the console's routes). */
export function spendCsvResponse(query: SpendQuery, detail: boolean): Response {
  const { filename, body } = spendCsv(query, { detail });
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

// ── the form's choices ──

const FACET_LIMIT = 1_000;

/** Agent and team names for the filter form (bounded; a name can always be typed into the URL). */
export async function spendFacets(): Promise<{ agents: string[]; teams: string[] }> {
  const [agents, teams] = await Promise.all([
    db.agent.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: FACET_LIMIT }),
    db.team.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: FACET_LIMIT }),
  ]);
  return { agents: agents.map((a) => a.name), teams: teams.map((t) => t.name) };
}
