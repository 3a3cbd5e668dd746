/**
 * The Prompt log's search: one page of LLM calls, newest first, matching a search text (web search
 * syntax) and the other filters, with keyset pagination on (startedAt DESC, id DESC).
 *
 * It reads PromptLogDoc, the calls' search documents that the prompt_log_index job writes after
 * ingestion (indexer.ts): its time index gives the log's order, its GIN index the calls holding the
 * words, and a stored document answers a query exactly (phrases too: it keeps positions) for the
 * price of reading it, without tokenising. Calls the job has not reached are not found; the page
 * says how many there are (`promptLogIndexLag`).
 *
 * Neither index alone answers every query quickly (a GIN bitmap of a word in every call is a
 * million rows to sort; walking the time index for a rare word reads every document), so each
 * statement is fenced to one plan and a search takes two bounded routes:
 *   1. walk: the newest WALK_ROWS documents passing the filters, in time-index order, each checked;
 *      enough when the words are common;
 *   2. index: the GIN index's matches older than the walk, sorted by time; a phrase, which GIN only
 *      narrows to the calls holding its words, is checked on at most PHRASE_CANDIDATES of them.
 * When neither can finish within its bounds (a phrase of common words that are rarely adjacent,
 * `-word` alone, which GIN cannot answer), the walk goes on for WALK_BUDGET_MS and the page ends
 * early (`partial`) with a cursor to go on from.
 */
import "server-only";
import { db, type Tx } from "@/lib/db";
import { decodeCursor, encodeCursor } from "@/lib/ids";
import { Prisma } from "@/lib/generated/prisma/client";
import { and, filterConditions, storableFilter, wellFormed } from "./filters";
import { cursorTimeFits, MAX_PROMPT_LOG_PAGE_SIZE, MAX_SEARCH_CHARS, PROMPT_LOG_PAGE_SIZE, type PromptLogFilter } from "./params";
import { loadRows, type CallKey, type PromptLogRow } from "./rows";
import { analyzeTsquery, type AnalyzedQuery } from "./tsquery";

/** Documents the walk checks per statement (reading one costs tens of µs). */
const WALK_ROWS = 1500;
/** How long the walk goes on when the index cannot help (a phrase of common words, `-word`). */
const WALK_BUDGET_MS = 250;
/** Index matches of a phrase's words checked for the phrase itself, per page. */
const PHRASE_CANDIDATES = 2000;
/** A phrase whose words are in more than this share of the walked calls is not looked up in the index. */
const DENSE_SHARE = 0.2;
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

/** Documents after `key` in the log's order: one row comparison the time index answers. */
const olderThan = (alias: string, key: Key) =>
  Prisma.sql`(${Prisma.raw(alias)}."startedAt", ${Prisma.raw(alias)}."stepId") < (${key.startedAt}, ${key.id})`;

/** The conditions of a page after `after` (or the first page), on a PromptLogDoc under `alias`. */
const pageConditions = (filter: PromptLogFilter, alias: string, after: Key | null) =>
  after ? [...filterConditions(filter, alias), olderThan(alias, after)] : filterConditions(filter, alias);

/** The newest `limit` documents passing `where` (on alias d), in the log's order. */
const newestDocs = (where: Prisma.Sql[], limit: number) => Prisma.sql`
  SELECT d."stepId" AS id, d."startedAt", d.doc
  FROM "PromptLogDoc" d
  WHERE ${and(where)}
  ORDER BY d."startedAt" DESC, d."stepId" DESC
  LIMIT ${limit}`;

interface Walk {
  hits: Key[];
  /** How many documents the walk read (fewer than WALK_ROWS: it saw every one passing the filters). */
  walked: number;
  /** Of those, how many hold a phrase's words (0 for other queries). */
  holdingWords: number;
  /** The oldest document read: where a further walk, or the index, goes on from. */
  oldest: Key | null;
}

/**
 * Route 1: of the newest WALK_ROWS documents passing `where`, the first `need` matching, newest
 * first, with how far the walk got; one statement. MATERIALIZED: the walk is planned on its own
 * (inside a join the planner assumes every row matches and walks the whole time index).
 */
async function walk(tx: Tx, query: AnalyzedQuery, where: Prisma.Sql[], need: number): Promise<Walk> {
  // For a phrase: whether its words are common here, in which case the index would hand as many candidates again.
  const holding = query.hasPhrase ? Prisma.sql`(count(*) FILTER (WHERE w.doc @@ ${query.words}::tsquery) OVER ())::int` : Prisma.sql`0`;
  const rows = await tx.$queryRaw<(Key & { hit: boolean; walked: number; holding: number })[]>`
    WITH w AS MATERIALIZED (${newestDocs(where, WALK_ROWS)})
    SELECT h.id, h."startedAt", true AS hit, 0 AS walked, 0 AS holding FROM (
      SELECT w.id, w."startedAt" FROM w WHERE w.doc @@ ${query.text}::tsquery ORDER BY w."startedAt" DESC, w.id DESC LIMIT ${need}
    ) h
    UNION ALL
    SELECT e.id, e."startedAt", false, e.walked, e.holding FROM (
      SELECT w.id, w."startedAt", (count(*) OVER ())::int AS walked, ${holding} AS holding FROM w ORDER BY w."startedAt" ASC, w.id ASC LIMIT 1
    ) e`;
  const end = rows.find((r) => !r.hit);
  return {
    hits: rows.filter((r) => r.hit).map(({ id, startedAt }) => ({ id, startedAt })),
    walked: end?.walked ?? 0,
    holdingWords: end?.holding ?? 0,
    oldest: end ? { id: end.id, startedAt: end.startedAt } : null,
  };
}

/**
 * The GIN index's matches of the query's words (fenced by OFFSET 0, so nothing else can drive the
 * scan), then the other conditions (on alias g), newest first.
 */
const indexMatches = (query: AnalyzedQuery, where: Prisma.Sql[], limit: number) => Prisma.sql`
  SELECT g."stepId" AS id, g."startedAt", g.doc
  FROM (
    SELECT d."stepId", d."startedAt", d."runId", d."promptName", d."promptVersion", d.model, d.doc
    FROM "PromptLogDoc" d
    WHERE d.doc @@ ${query.words}::tsquery
    OFFSET 0
  ) g
  WHERE ${and(where)}
  ORDER BY g."startedAt" DESC, g."stepId" DESC
  LIMIT ${limit}`;

const scanSettings = (tx: Tx, value: "on" | "off") =>
  tx.$queryRaw`SELECT set_config('enable_indexscan', ${value}, true), set_config('enable_indexonlyscan', ${value}, true),
    set_config('enable_seqscan', ${value}, true)`;

/**
 * Route 2: index matches; a phrase checked on at most PHRASE_CANDIDATES of them. Index and
 * sequential scans are off for these statements, so the planner cannot walk the time index
 * (reading every document) to save the sort: only the GIN bitmap is left.
 */
async function searchIndex(tx: Tx, query: AnalyzedQuery, where: Prisma.Sql[], need: number): Promise<{ keys: Key[]; searchedBack: Key | null }> {
  await scanSettings(tx, "off");
  const found = await indexHits(tx, query, where, need);
  await scanSettings(tx, "on");
  return found;
}

async function indexHits(tx: Tx, query: AnalyzedQuery, where: Prisma.Sql[], need: number): Promise<{ keys: Key[]; searchedBack: Key | null }> {
  if (!query.hasPhrase) {
    return { keys: await tx.$queryRaw<Key[]>`SELECT c.id, c."startedAt" FROM (${indexMatches(query, where, need)}) c`, searchedBack: null };
  }
  const candidates = await tx.$queryRaw<(Key & { hit: boolean })[]>`
    SELECT c.id, c."startedAt", c.doc @@ ${query.text}::tsquery AS hit FROM (${indexMatches(query, where, PHRASE_CANDIDATES)}) c`;
  const hits = candidates.filter((c) => c.hit);
  const keys = hits.slice(0, need).map(({ id, startedAt }) => ({ id, startedAt }));
  // Fewer than asked: every candidate was checked (the search is complete), or the bound was reached
  // and the oldest candidate checked is where the next page resumes.
  const oldest = candidates[candidates.length - 1];
  const searchedBack = keys.length < need && candidates.length >= PHRASE_CANDIDATES && oldest ? { id: oldest.id, startedAt: oldest.startedAt } : null;
  return { keys, searchedBack };
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
  after: Key | null,
  need: number,
  budgetMs: number,
): Promise<{ keys: Key[]; searchedBack: Key | null }> {
  const started = Date.now();
  let keys: Key[] = [];
  let from = after;
  for (let first = true; ; first = false) {
    const step = await walk(tx, query, pageConditions(filter, "d", from), need - keys.length);
    keys = [...keys, ...step.hits];
    if (keys.length === need || step.walked < WALK_ROWS || !step.oldest) return { keys, searchedBack: null };
    // `-word` alone the index cannot find, and a phrase of common words it would hand as candidates
    // by the hundred thousand: walk on within the time budget, then end the page where the walk stopped.
    const dense = query.hasPhrase && step.holdingWords > step.walked * DENSE_SHARE;
    if (first && query.indexable && !dense) {
      const more = await searchIndex(tx, query, pageConditions(filter, "g", step.oldest), need - keys.length);
      return { keys: [...keys, ...more.keys], searchedBack: more.searchedBack };
    }
    if (Date.now() - started >= budgetMs) return { keys, searchedBack: step.oldest };
    from = step.oldest;
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

/** The cursor's key, when it is one of this log's (a forged one would fail the query). */
function cursorKey(cursor: string | undefined): Key | null {
  const decoded = decodeCursor(cursor);
  return decoded && cursorTimeFits(decoded[0]) ? { startedAt: new Date(decoded[0]), id: decoded[1] } : null;
}

/**
 * One page of LLM calls, newest first: those matching `q` (web search syntax: words, "phrases",
 * or, -word) and every other filter. Keyset pagination on (startedAt DESC, id DESC).
 */
export async function searchPromptLog(input: PromptLogFilter, options: SearchOptions = {}): Promise<PromptLogPage> {
  const filter = storableFilter(input);
  const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? PROMPT_LOG_PAGE_SIZE)), MAX_PROMPT_LOG_PAGE_SIZE);
  const after = cursorKey(filter.cursor);
  const q = filter.q === undefined ? undefined : wellFormed(filter.q.trim().slice(0, MAX_SEARCH_CHARS));
  const timeoutMs = Math.max(1, Math.trunc(options.timeoutMs ?? SEARCH_TIMEOUT_MS));
  try {
    return await db.$transaction(
      async (tx) => {
        // Bitmaps of common words stay exact (a lossy page would recheck every document on it).
        await tx.$queryRaw`SELECT set_config('statement_timeout', ${String(timeoutMs)}, true), set_config('work_mem', '64MB', true)`;
        const need = limit + 1;
        let query: AnalyzedQuery | null = null;
        let keys: Key[];
        let searchedBack: Key | null = null;
        if (!q) {
          keys = await tx.$queryRaw<Key[]>`SELECT c.id, c."startedAt" FROM (${newestDocs(pageConditions(filter, "d", after), need)}) c`;
        } else {
          const [parsed] = await tx.$queryRaw<{ text: string }[]>`SELECT websearch_to_tsquery('simple'::regconfig, ${q})::text AS text`;
          query = analyzeTsquery(parsed?.text ?? "");
          if (!query) return emptyPage({ noTerms: true });
          ({ keys, searchedBack } = await searchText(tx, query, filter, after, need, options.walkBudgetMs ?? WALK_BUDGET_MS));
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
