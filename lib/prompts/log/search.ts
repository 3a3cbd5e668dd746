/**
 * The Prompt log: every LLM call's messages as sent and received, searched by
 * full text across runs and filtered by prompt, version, model, agent, team and
 * time, newest first with keyset pagination; and the page's query parameters.
 *
 * The search uses the fd_prompt_log_* functions and indexes of migration
 * 20261201100000_prompt_log_search. Checking one call against a query means
 * tokenising its messages (~0.1 ms per kB), which the planner prices at nearly
 * nothing: left to itself it walks the time index tokenising a million calls
 * for a rare word, or rechecks every row of a lossy bitmap. So each statement is
 * fenced to one plan, and a search takes two bounded routes:
 *   1. walk: the newest WALK_ROWS calls passing the filters, in index order,
 *      pre-checked cheaply (each required word must occur in the JSON text), at
 *      most WALK_CHECKS of them checked exactly; enough when the words are common;
 *   2. index: the GIN index's matches older than the walk (exact for words: no
 *      tokenising), sorted by time; a phrase, which GIN cannot check, is checked
 *      on at most PHRASE_CANDIDATES of them, newest first.
 * When neither can finish within its bounds (a phrase of common words that are
 * rarely adjacent, `-word` alone, which GIN cannot answer), the walk goes on for
 * WALK_BUDGET_MS and the page ends early (`partial`) with a cursor to go on from.
 */
import "server-only";
import { db, type Tx } from "@/lib/db";
import { decodeCursor, encodeCursor } from "@/lib/ids";
import { Prisma } from "@/lib/generated/prisma/client";
import { cursorTimeFits, MAX_PROMPT_LOG_PAGE_SIZE, MAX_SEARCH_CHARS, PROMPT_LOG_PAGE_SIZE, type PromptLogFilter } from "./params";
import { loadRows, type CallKey, type PromptLogRow } from "./rows";
import { analyzeTsquery, type AnalyzedQuery } from "./tsquery";

/** Calls the walk looks at with a pre-check (~40 µs a call), and at most how many it checks exactly (~0.5 ms each). */
const WALK_ROWS = 1500;
const WALK_CHECKS = 200;
/** Calls the walk checks exactly when the query has no pre-check (`or`, `-word`). */
const WALK_ROWS_UNCHECKED = 150;
/** How long the walk goes on when the index cannot help (a phrase of common words, `-word`). */
const WALK_BUDGET_MS = 250;
/** Index matches of a phrase's words checked for the phrase itself, per page. */
const PHRASE_CANDIDATES = 300;
const SEARCH_TIMEOUT_MS = 8000;

export interface PromptLogPage {
  rows: PromptLogRow[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /**
   * The search stopped before filling the page (a phrase of common words that are rarely adjacent):
   * calls older than `searchedBack` are still to be searched with nextCursor.
   */
  partial: boolean;
  searchedBack: string | null;
  /** The search text has no word to look for (only operators or punctuation). */
  noTerms: boolean;
  /** The search took longer than its time limit (SEARCH_TIMEOUT_MS). */
  timedOut: boolean;
}


type Key = CallKey;

type Alias = "s" | "g";

/** The filters other than the text, on a Step row under `alias`. */
function filterConditions(filter: PromptLogFilter, alias: Alias): Prisma.Sql[] {
  const a = Prisma.raw(alias);
  const where: Prisma.Sql[] = [];
  if (filter.agent) where.push(Prisma.sql`${a}."runId" IN (SELECT r.id FROM "Run" r JOIN "Agent" ag ON ag.id = r."agentId" WHERE ag.name = ${filter.agent})`);
  if (filter.team) where.push(Prisma.sql`${a}."runId" IN (SELECT r.id FROM "Run" r JOIN "Team" tm ON tm.id = r."teamId" WHERE tm.name = ${filter.team})`);
  if (filter.prompt) where.push(Prisma.sql`${a}."promptName" = ${filter.prompt}`);
  if (filter.version !== undefined) where.push(Prisma.sql`${a}."promptVersion" = ${filter.version}`);
  if (filter.model) where.push(Prisma.sql`${a}.model = ${filter.model}`);
  if (filter.from) where.push(Prisma.sql`${a}."startedAt" >= ${filter.from}`);
  if (filter.to) where.push(Prisma.sql`${a}."startedAt" < ${filter.to}`);
  return where;
}

/** Rows after `key` in the log's order (startedAt DESC, id DESC): one row comparison the time index answers. */
const olderThan = (alias: Alias, key: Key) =>
  Prisma.sql`(${Prisma.raw(alias)}."startedAt", ${Prisma.raw(alias)}.id) < (${key.startedAt}, ${key.id})`;

const and = (parts: Prisma.Sql[]) => (parts.length ? Prisma.join(parts, " AND ") : Prisma.sql`TRUE`);

// The partial indexes' predicate is written out (never a parameter) so that the planner can use them.
const LLM_CALL = Prisma.sql`s.kind = 'LLM_CALL'`;

/** The newest `limit` LLM calls passing `where`, with their messages (not yet read: TOAST pointers). */
const newestCalls = (where: Prisma.Sql[], limit: number) => Prisma.sql`
  SELECT s.id, s."startedAt", s."inputMessages" AS i, s."outputMessages" AS o
  FROM "Step" s
  WHERE ${LLM_CALL} AND ${and(where)}
  ORDER BY s."startedAt" DESC, s.id DESC
  LIMIT ${limit}`;

/**
 * The walk's candidates: of the newest `rows` calls passing `where`, the first `cap` that pass the
 * pre-check, newest first. The pre-check looks for each required word in the messages' JSON text,
 * lower-cased as the index's words are (a token never holds a character JSON escapes), so a call
 * failing it cannot match; it costs ~40 µs a call against ~0.5 ms for the exact check.
 * MATERIALIZED: each part is planned on its own (inside a join the planner assumes every row
 * passes and picks a plan for the first few: a walk of the whole time index for a selective agent).
 */
function walkCandidates(query: AnalyzedQuery, where: Prisma.Sql[], rows: number, cap: number) {
  const precheck = query.required.length
    ? Prisma.sql`WHERE ${Prisma.join(
        query.required.map((l) => Prisma.sql`strpos(lower(coalesce(c.o::text, '') || ' ' || coalesce(c.i::text, '')), ${l}) > 0`),
        " AND ",
      )}`
    : Prisma.empty;
  return Prisma.sql`
    c AS MATERIALIZED (${newestCalls(where, rows)}),
    p AS MATERIALIZED (SELECT c.id, c."startedAt", c.i, c.o FROM c ${precheck} ORDER BY c."startedAt" DESC, c.id DESC LIMIT ${cap})`;
}

/** Route 1: the walk's candidates checked exactly, newest first, until `need` match. */
async function walkHits(tx: Tx, query: AnalyzedQuery, where: Prisma.Sql[], rows: number, cap: number, need: number): Promise<Key[]> {
  // The exact check sits on the lateral row so that it runs on candidates only, in order, and stops at `need`.
  return tx.$queryRaw<Key[]>`
    WITH ${walkCandidates(query, where, rows, cap)}
    SELECT p.id, p."startedAt" FROM p
    CROSS JOIN LATERAL (SELECT 1 FROM (SELECT p.i, p.o OFFSET 0) x WHERE fd_prompt_log_vector(x.i, x.o) @@ ${query.text}::tsquery) hit
    ORDER BY p."startedAt" DESC, p.id DESC
    LIMIT ${need}`;
}

/** How many candidates the walk had (at most `cap`) and the oldest of them. */
async function walkExtent(tx: Tx, query: AnalyzedQuery, where: Prisma.Sql[], rows: number, cap: number): Promise<{ candidates: number; oldest: Key | null }> {
  const [row] = await tx.$queryRaw<(Key & { candidates: number })[]>`
    WITH ${walkCandidates(query, where, rows, cap)}
    SELECT p.id, p."startedAt", (count(*) OVER ())::int AS candidates FROM p ORDER BY p."startedAt" ASC, p.id ASC LIMIT 1`;
  return { candidates: row?.candidates ?? 0, oldest: row ? { id: row.id, startedAt: row.startedAt } : null };
}

/** The `n`-th newest call passing `where` (1-based), or null when there are fewer. */
async function nthCall(tx: Tx, where: Prisma.Sql[], n: number): Promise<Key | null> {
  const [row] = await tx.$queryRaw<Key[]>`
    SELECT s.id, s."startedAt" FROM "Step" s WHERE ${LLM_CALL} AND ${and(where)}
    ORDER BY s."startedAt" DESC, s.id DESC OFFSET ${n - 1} LIMIT 1`;
  return row ?? null;
}

/**
 * The GIN index's matches of the query's words (fenced by OFFSET 0, so nothing else can drive the
 * scan), then the other conditions, newest first.
 */
const indexMatches = (query: AnalyzedQuery, where: Prisma.Sql[], limit: number) => Prisma.sql`
  SELECT g.id, g."startedAt", g.i, g.o
  FROM (
    SELECT s.id, s."startedAt", s."runId", s."promptName", s."promptVersion", s.model, s."inputMessages" AS i, s."outputMessages" AS o
    FROM "Step" s
    WHERE ${LLM_CALL} AND fd_prompt_log_vector(s."inputMessages", s."outputMessages") @@ ${query.words}::tsquery
    OFFSET 0
  ) g
  WHERE ${and(where)}
  ORDER BY g."startedAt" DESC, g.id DESC
  LIMIT ${limit}`;

const scanSettings = (tx: Tx, value: "on" | "off") =>
  tx.$queryRaw`SELECT set_config('enable_indexscan', ${value}, true), set_config('enable_indexonlyscan', ${value}, true),
    set_config('enable_seqscan', ${value}, true)`;

/**
 * Route 2: index matches; a phrase checked on at most PHRASE_CANDIDATES of them. Index and
 * sequential scans are off for these statements, so the planner cannot walk the time index
 * (tokenising every call) to save the sort; the functions' COST makes a bitmap of the time index
 * filtered by the text lose to the GIN bitmap whenever the table has statistics.
 */
async function searchIndex(
  tx: Tx,
  query: AnalyzedQuery,
  where: Prisma.Sql[],
  need: number,
): Promise<{ keys: Key[]; searchedBack: Key | null }> {
  await scanSettings(tx, "off");
  const found = await indexHits(tx, query, where, need);
  await scanSettings(tx, "on");
  return found;
}

async function indexHits(tx: Tx, query: AnalyzedQuery, where: Prisma.Sql[], need: number): Promise<{ keys: Key[]; searchedBack: Key | null }> {
  if (!query.hasPhrase) {
    return { keys: await tx.$queryRaw<Key[]>`SELECT c.id, c."startedAt" FROM (${indexMatches(query, where, need)}) c`, searchedBack: null };
  }
  const keys = await tx.$queryRaw<Key[]>`
    SELECT c.id, c."startedAt" FROM (${indexMatches(query, where, PHRASE_CANDIDATES)}) c
    WHERE fd_prompt_log_vector(c.i, c.o) @@ ${query.text}::tsquery
    ORDER BY c."startedAt" DESC, c.id DESC
    LIMIT ${need}`;
  if (keys.length === need) return { keys, searchedBack: null };
  // Fewer than asked: every candidate was checked (the search is complete), or the bound was reached
  // and the oldest candidate checked is where the next page resumes.
  const [oldest] = await tx.$queryRaw<(Key & { candidates: number })[]>`
    SELECT c.id, c."startedAt", (count(*) OVER ())::int AS candidates FROM (${indexMatches(query, where, PHRASE_CANDIDATES)}) c
    ORDER BY c."startedAt" ASC, c.id ASC LIMIT 1`;
  return { keys, searchedBack: oldest && oldest.candidates >= PHRASE_CANDIDATES ? { id: oldest.id, startedAt: oldest.startedAt } : null };
}

function isStatementTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const o = e as { code?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown };
    if (o.code === "57014" || o.originalCode === "57014") return true;
    if (typeof o.message === "string" && o.message.includes("statement timeout")) return true;
    e = o.cause;
  }
  return false;
}

/** Both routes, as the module's header describes: the walk, then the index for older calls. */
async function searchText(
  tx: Tx,
  query: AnalyzedQuery,
  filter: PromptLogFilter,
  where: Prisma.Sql[],
  need: number,
  budgetMs: number,
): Promise<{ keys: Key[]; searchedBack: Key | null }> {
  const rows = query.required.length ? WALK_ROWS : WALK_ROWS_UNCHECKED;
  const cap = query.required.length ? WALK_CHECKS : WALK_ROWS_UNCHECKED;
  const started = Date.now();
  let keys: Key[] = [];
  let conditions = where;
  for (;;) {
    keys = [...keys, ...(await walkHits(tx, query, conditions, rows, cap, need - keys.length))];
    if (keys.length === need) return { keys, searchedBack: null };
    const extent = await walkExtent(tx, query, conditions, rows, cap);
    let boundary: Key | null;
    if (extent.candidates >= cap && extent.oldest) {
      boundary = extent.oldest; // candidates were dense and few matched: done up to the last one checked
    } else {
      boundary = await nthCall(tx, conditions, rows);
      if (!boundary) return { keys, searchedBack: null }; // the walk saw every call passing the filters
    }
    // The index would hand a phrase as many candidates again, and cannot find `-word` at all: walk on
    // within the time budget, then end the page where the walk stopped.
    if (query.indexable && !(query.hasPhrase && extent.candidates >= cap)) {
      const more = await searchIndex(tx, query, [...filterConditions(filter, "g"), olderThan("g", boundary)], need - keys.length);
      return { keys: [...keys, ...more.keys], searchedBack: more.searchedBack };
    }
    if (Date.now() - started >= budgetMs) return { keys, searchedBack: boundary };
    conditions = [...filterConditions(filter, "s"), olderThan("s", boundary)];
  }
}

const emptyPage = (extra: Partial<PromptLogPage> = {}): PromptLogPage => ({
  rows: [],
  nextCursor: null,
  partial: false,
  searchedBack: null,
  noTerms: false,
  timedOut: false,
  ...extra,
});

export interface SearchOptions {
  /** The whole search's limit (statement_timeout); default SEARCH_TIMEOUT_MS. */
  timeoutMs?: number;
  /** How long the walk goes on when the index cannot help; default WALK_BUDGET_MS. */
  walkBudgetMs?: number;
}

/** Lone surrogates (JavaScript strings may hold them; UTF-8 cannot) become U+FFFD, NUL is dropped. */
const wellFormed = (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD").replaceAll("\0", "");

/**
 * One page of LLM calls, newest first: those matching `q` (web search syntax: words, "phrases",
 * or, -word) and every other filter. Keyset pagination on (startedAt DESC, id DESC).
 */
export async function searchPromptLog(input: PromptLogFilter, options: SearchOptions = {}): Promise<PromptLogPage> {
  const text = (v: string | undefined) => (v === undefined ? undefined : wellFormed(v));
  const filter = { ...input, prompt: text(input.prompt), model: text(input.model), agent: text(input.agent), team: text(input.team) };
  const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? PROMPT_LOG_PAGE_SIZE)), MAX_PROMPT_LOG_PAGE_SIZE);
  const decoded = decodeCursor(filter.cursor);
  const after: Key | null = decoded && cursorTimeFits(decoded[0]) ? { startedAt: new Date(decoded[0]), id: decoded[1] } : null;
  const q = filter.q === undefined ? undefined : wellFormed(filter.q.trim().slice(0, MAX_SEARCH_CHARS));
  const timeoutMs = Math.max(1, Math.trunc(options.timeoutMs ?? SEARCH_TIMEOUT_MS));
  try {
    return await db.$transaction(
      async (tx) => {
        // Bitmaps of common words stay exact (a lossy page would re-tokenise every row on it).
        await tx.$queryRaw`SELECT set_config('statement_timeout', ${String(timeoutMs)}, true), set_config('work_mem', '64MB', true)`;
        const base = filterConditions(filter, "s");
        const where = after ? [...base, olderThan("s", after)] : base;
        const need = limit + 1;
        let query: AnalyzedQuery | null = null;
        let keys: Key[];
        let searchedBack: Key | null = null;
        if (!q) {
          keys = await tx.$queryRaw<Key[]>`SELECT c.id, c."startedAt" FROM (${newestCalls(where, need)}) c`;
        } else {
          const [parsed] = await tx.$queryRaw<{ text: string }[]>`SELECT websearch_to_tsquery('simple'::regconfig, ${q})::text AS text`;
          query = analyzeTsquery(parsed?.text ?? "");
          if (!query) return emptyPage({ noTerms: true });
          ({ keys, searchedBack } = await searchText(tx, query, filter, where, need, options.walkBudgetMs ?? WALK_BUDGET_MS));
        }
        const page = keys.slice(0, limit);
        const last = page[page.length - 1];
        const resumeAt = keys.length > limit ? last : searchedBack;
        return {
          ...emptyPage(),
          rows: await loadRows(tx, page, query),
          nextCursor: resumeAt ? encodeCursor(resumeAt.startedAt.toISOString(), resumeAt.id) : null,
          partial: keys.length <= limit && searchedBack !== null,
          searchedBack: keys.length <= limit && searchedBack ? searchedBack.startedAt.toISOString() : null,
        };
      },
      { timeout: timeoutMs + 5000, maxWait: 5000 },
    );
  } catch (error) {
    if (isStatementTimeout(error)) return emptyPage({ timedOut: true });
    throw error;
  }
}

/** Suggestions for the filter form: agent, team and prompt names, and the models priced in the last 90 days. */
export async function promptLogFacets(): Promise<{ agents: string[]; teams: string[]; prompts: string[]; models: string[] }> {
  const [agents, teams, prompts, models] = await Promise.all([
    db.agent.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: 500 }),
    db.team.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: 500 }),
    db.prompt.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: 500 }),
    // The spend rollup has one row per day and model: far fewer rows than the calls themselves.
    db.$queryRaw<{ model: string }[]>`
      SELECT DISTINCT model FROM "SpendDaily" WHERE model <> '' AND day >= current_date - 90 ORDER BY model LIMIT 200`,
  ]);
  return { agents: agents.map((a) => a.name), teams: teams.map((t) => t.name), prompts: prompts.map((p) => p.name), models: models.map((m) => m.model) };
}
