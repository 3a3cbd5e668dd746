/**
 * Reads for the runs list and the live refresh of running runs: filters,
 * keyset (cursor) pagination, counts and the output × outcome quadrants.
 * Hand-written SQL so each sort walks an index and the count is one pass.
 */
import "server-only";
import { db } from "@/lib/db";
import { STEP_KINDS } from "@/lib/enums";
import { decodeCursor, encodeCursor, type CursorValue } from "@/lib/ids";
import { Prisma } from "@/lib/generated/prisma/client";
import { filterInstant, GOOD_OUTPUT_THRESHOLD, type RunFilter, type RunSort, type RunStatusName } from "./schemas";

export const RUNS_PAGE_SIZE = 50;

/** One row of the list as the browser receives it (plain JSON). */
export interface RunListItem {
  id: string;
  traceId: string;
  name: string | null;
  agent: string | null;
  team: string | null;
  status: RunStatusName;
  startedAt: string;
  endedAt: string | null;
  lastStepAt: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  stepCount: number;
  failedStepCount: number;
  unpricedCount: number;
  flags: { loop: boolean; stall: boolean; toolFailure: boolean; escalated: boolean; executedDifferently: boolean; unpriced: boolean };
  outputScore: number | null;
  outcome: "SUCCESS" | "FAILURE" | "UNKNOWN";
}

interface RunRow {
  id: string;
  traceId: string;
  name: string | null;
  agent: string | null;
  team: string | null;
  status: RunStatusName;
  startedAt: Date;
  endedAt: Date | null;
  lastStepAt: Date;
  inputTokens: bigint;
  outputTokens: bigint;
  costUsd: Prisma.Decimal | string | number;
  stepCount: number;
  failedStepCount: number;
  unpricedCount: number;
  flagLoop: boolean;
  flagStall: boolean;
  flagToolFailure: boolean;
  flagEscalated: boolean;
  flagExecutedDifferently: boolean;
  outputScore: number | null;
  outcome: "SUCCESS" | "FAILURE" | "UNKNOWN";
}

const RUN_COLUMNS = Prisma.sql`r.id, r."traceId", r.name, a.name AS agent, t.name AS team, r.status::text AS status,
  r."startedAt", r."endedAt", r."lastStepAt", r."inputTokens", r."outputTokens", r."costUsd", r."stepCount",
  r."failedStepCount", r."unpricedCount", r."flagLoop", r."flagStall", r."flagToolFailure", r."flagEscalated", r."flagExecutedDifferently",
  r."outputScore", r.outcome::text AS outcome`;

function toItem(r: RunRow): RunListItem {
  return {
    id: r.id,
    traceId: r.traceId,
    name: r.name,
    agent: r.agent,
    team: r.team,
    status: r.status,
    startedAt: r.startedAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
    lastStepAt: r.lastStepAt.toISOString(),
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
    costUsd: Number(r.costUsd),
    stepCount: r.stepCount,
    failedStepCount: r.failedStepCount,
    unpricedCount: r.unpricedCount,
    flags: {
      loop: r.flagLoop,
      stall: r.flagStall,
      toolFailure: r.flagToolFailure,
      escalated: r.flagEscalated,
      executedDifferently: r.flagExecutedDifferently,
      unpriced: r.unpricedCount > 0,
    },
    outputScore: r.outputScore,
    outcome: r.outcome,
  };
}

function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Every filter except the cursor and the quadrant (output/outcome), which the counts treat apart. */
function baseConditions(filter: RunFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (filter.agent) where.push(Prisma.sql`r."agentId" IN (SELECT id FROM "Agent" WHERE name = ${filter.agent})`);
  if (filter.team) where.push(Prisma.sql`r."teamId" IN (SELECT id FROM "Team" WHERE name = ${filter.team})`);
  if (filter.status) where.push(Prisma.sql`r.status = ${filter.status}::"RunStatus"`);
  for (const flag of filter.flag) {
    if (flag === "loop") where.push(Prisma.sql`r."flagLoop"`);
    if (flag === "stall") where.push(Prisma.sql`r."flagStall"`);
    if (flag === "toolFailure") where.push(Prisma.sql`r."flagToolFailure"`);
    if (flag === "escalated") where.push(Prisma.sql`r."flagEscalated"`);
    if (flag === "executedDifferently") where.push(Prisma.sql`r."flagExecutedDifferently"`);
    if (flag === "unpriced") where.push(Prisma.sql`r."unpricedCount" > 0`);
  }
  if (filter.model) {
    // Runs with an LLM call of the model. A run's steps start no earlier than the run, so `from` bounds the calls
    // read through the (kind, status, startedAt) index; `to` cannot (a run started in range may call later).
    const since = filter.from ? Prisma.sql`AND s."startedAt" >= ${filterInstant(filter.from, false)}` : Prisma.empty;
    where.push(Prisma.sql`r.id IN (SELECT s."runId" FROM "Step" s WHERE s.kind = 'LLM_CALL' AND s.model = ${filter.model} ${since})`);
  }
  if (filter.prompt) {
    // Runs with an LLM call of the prompt (and version): the (promptName, promptVersion) index finds them.
    const version = filter.promptVersion ? Prisma.sql`AND s."promptVersion" = ${Number(filter.promptVersion)}` : Prisma.empty;
    where.push(Prisma.sql`r.id IN (SELECT s."runId" FROM "Step" s WHERE s."promptName" = ${filter.prompt} ${version} AND s.kind = 'LLM_CALL')`);
  }
  if (filter.from) where.push(Prisma.sql`r."startedAt" >= ${filterInstant(filter.from, false)}`);
  if (filter.to) where.push(Prisma.sql`r."startedAt" < ${filterInstant(filter.to, true)}`);
  if (filter.q) {
    const pattern = likePattern(filter.q);
    // Error messages are those of failed steps: listing every kind lets the (kind, status, startedAt)
    // index find the few failed steps on any PostgreSQL (18 would skip-scan it anyway).
    where.push(Prisma.sql`(r.name ILIKE ${pattern} OR r."traceId" = ${filter.q.toLowerCase()} OR r.id = ${filter.q}
      OR r.id IN (SELECT s."runId" FROM "Step" s
        WHERE s.kind IN (${Prisma.join(STEP_KINDS.map((k) => Prisma.sql`${k}::"StepKind"`))})
          AND s.status = 'FAILED' AND s.error ILIKE ${pattern}))`);
  }
  return where;
}

function quadrantConditions(filter: RunFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (filter.output === "good") where.push(Prisma.sql`r."outputScore" >= ${GOOD_OUTPUT_THRESHOLD}`);
  if (filter.output === "bad") where.push(Prisma.sql`r."outputScore" < ${GOOD_OUTPUT_THRESHOLD}`);
  if (filter.output === "unscored") where.push(Prisma.sql`r."outputScore" IS NULL`);
  if (filter.outcome) where.push(Prisma.sql`r.outcome = ${filter.outcome.toUpperCase()}::"Outcome"`);
  return where;
}

const and = (parts: Prisma.Sql[]) => (parts.length ? Prisma.join(parts, " AND ") : Prisma.sql`TRUE`);

// ── cursor ──
// The cursor (lib/ids.ts) holds the last row's sort value and id. "newest" walks the
// (startedAt DESC, id) index as it is; "oldest" walks it backwards.


const SORTS: Record<RunSort, { order: Prisma.Sql; key: (r: RunRow) => CursorValue; after: (v: CursorValue, id: string) => Prisma.Sql | null }> = {
  newest: {
    order: Prisma.sql`r."startedAt" DESC, r.id ASC`,
    key: (r) => r.startedAt.toISOString(),
    after: (v, id) => (typeof v === "string" ? Prisma.sql`(r."startedAt" < ${new Date(v)} OR (r."startedAt" = ${new Date(v)} AND r.id > ${id}))` : null),
  },
  oldest: {
    order: Prisma.sql`r."startedAt" ASC, r.id DESC`,
    key: (r) => r.startedAt.toISOString(),
    after: (v, id) => (typeof v === "string" ? Prisma.sql`(r."startedAt" > ${new Date(v)} OR (r."startedAt" = ${new Date(v)} AND r.id < ${id}))` : null),
  },
  cost: {
    order: Prisma.sql`r."costUsd" DESC, r.id ASC`,
    key: (r) => String(r.costUsd),
    after: (v, id) => (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Prisma.sql`(r."costUsd" < ${v}::numeric OR (r."costUsd" = ${v}::numeric AND r.id > ${id}))` : null),
  },
  activity: {
    order: Prisma.sql`r."lastStepAt" DESC, r.id ASC`,
    key: (r) => r.lastStepAt.toISOString(),
    after: (v, id) => (typeof v === "string" ? Prisma.sql`(r."lastStepAt" < ${new Date(v)} OR (r."lastStepAt" = ${new Date(v)} AND r.id > ${id}))` : null),
  },
};

export async function listRuns(filter: RunFilter, pageSize = RUNS_PAGE_SIZE): Promise<{ runs: RunListItem[]; nextCursor: string | null }> {
  const sort = SORTS[filter.sort];
  const where = [...baseConditions(filter), ...quadrantConditions(filter)];
  const cursor = decodeCursor(filter.cursor);
  const after = cursor ? sort.after(cursor[0], cursor[1]) : null;
  if (after) where.push(after);
  const rows = await db.$queryRaw<RunRow[]>`
    SELECT ${RUN_COLUMNS}
    FROM "Run" r LEFT JOIN "Agent" a ON a.id = r."agentId" LEFT JOIN "Team" t ON t.id = r."teamId"
    WHERE ${and(where)}
    ORDER BY ${sort.order}
    LIMIT ${pageSize + 1}`;
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  return { runs: page.map(toItem), nextCursor: rows.length > pageSize && last ? encodeCursor(sort.key(last), last.id) : null };
}

export interface RunCounts {
  total: number;
  byStatus: Record<RunStatusName, number>;
  flags: { toolFailure: number; loop: number; stall: number; escalated: number; executedDifferently: number; unpriced: number };
  /** Output good/bad × outcome success/failure, over the filters other than output/outcome. */
  quadrants: { goodSuccess: number; goodFailure: number; badSuccess: number; badFailure: number };
}

export async function countRuns(filter: RunFilter): Promise<RunCounts> {
  const q = and(quadrantConditions(filter));
  const good = Prisma.sql`r."outputScore" >= ${GOOD_OUTPUT_THRESHOLD}`;
  const bad = Prisma.sql`r."outputScore" < ${GOOD_OUTPUT_THRESHOLD}`;
  const [row] = await db.$queryRaw<Record<string, number>[]>`
    SELECT
      count(*) FILTER (WHERE ${q})::int AS total,
      count(*) FILTER (WHERE ${q} AND r.status = 'RUNNING')::int AS "RUNNING",
      count(*) FILTER (WHERE ${q} AND r.status = 'SUCCEEDED')::int AS "SUCCEEDED",
      count(*) FILTER (WHERE ${q} AND r.status = 'FAILED')::int AS "FAILED",
      count(*) FILTER (WHERE ${q} AND r.status = 'ESCALATED')::int AS "ESCALATED",
      count(*) FILTER (WHERE ${q} AND r.status = 'STALLED')::int AS "STALLED",
      count(*) FILTER (WHERE ${q} AND r."flagToolFailure")::int AS "toolFailure",
      count(*) FILTER (WHERE ${q} AND r."flagLoop")::int AS loop,
      count(*) FILTER (WHERE ${q} AND r."flagStall")::int AS stall,
      count(*) FILTER (WHERE ${q} AND r."flagEscalated")::int AS escalated,
      count(*) FILTER (WHERE ${q} AND r."flagExecutedDifferently")::int AS "executedDifferently",
      count(*) FILTER (WHERE ${q} AND r."unpricedCount" > 0)::int AS unpriced,
      count(*) FILTER (WHERE ${good} AND r.outcome = 'SUCCESS')::int AS "goodSuccess",
      count(*) FILTER (WHERE ${good} AND r.outcome = 'FAILURE')::int AS "goodFailure",
      count(*) FILTER (WHERE ${bad} AND r.outcome = 'SUCCESS')::int AS "badSuccess",
      count(*) FILTER (WHERE ${bad} AND r.outcome = 'FAILURE')::int AS "badFailure"
    FROM "Run" r
    WHERE ${and(baseConditions(filter))}`;
  const n = (k: string) => Number(row?.[k] ?? 0);
  return {
    total: n("total"),
    byStatus: { RUNNING: n("RUNNING"), SUCCEEDED: n("SUCCEEDED"), FAILED: n("FAILED"), ESCALATED: n("ESCALATED"), STALLED: n("STALLED") },
    flags: { toolFailure: n("toolFailure"), loop: n("loop"), stall: n("stall"), escalated: n("escalated"), executedDifferently: n("executedDifferently"), unpriced: n("unpriced") },
    quadrants: { goodSuccess: n("goodSuccess"), goodFailure: n("goodFailure"), badSuccess: n("badSuccess"), badFailure: n("badFailure") },
  };
}

/** The current state of a few runs, for the list's live refresh of running rows. */
export async function getRunsByIds(ids: string[]): Promise<RunListItem[]> {
  if (ids.length === 0) return [];
  const rows = await db.$queryRaw<RunRow[]>`
    SELECT ${RUN_COLUMNS}
    FROM "Run" r LEFT JOIN "Agent" a ON a.id = r."agentId" LEFT JOIN "Team" t ON t.id = r."teamId"
    WHERE r.id = ANY(${ids})`;
  return rows.map(toItem);
}

/** Agents and teams that have runs, for the filter's choices. */
export async function runFacets(): Promise<{ agents: string[]; teams: string[] }> {
  const [agents, teams] = await Promise.all([
    db.agent.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: 500 }),
    db.team.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: 500 }),
  ]);
  return { agents: agents.map((a) => a.name), teams: teams.map((t) => t.name) };
}
