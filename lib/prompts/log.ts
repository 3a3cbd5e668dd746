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
import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { decodeCursor, encodeCursor } from "@/lib/ids";
import { Prisma } from "@/lib/generated/prisma/client";
import { filterInstant } from "@/lib/runs/schemas";
import {
  firstValue,
  ignoredParams,
  isCalendarTime,
  queryDate,
  queryText,
  yearInRange,
  type IgnoredQueryParam,
  type PageSearchParams,
} from "@/lib/security/page-query";

export const PROMPT_LOG_PAGE_SIZE = 50;
export const MAX_PROMPT_LOG_PAGE_SIZE = 100;
export const MAX_SEARCH_CHARS = 200;
/** Calls the walk looks at with a pre-check (~40 µs a call), and at most how many it checks exactly (~0.5 ms each). */
const WALK_ROWS = 1500;
const WALK_CHECKS = 200;
/** Calls the walk checks exactly when the query has no pre-check (`or`, `-word`). */
const WALK_ROWS_UNCHECKED = 150;
/** How long the walk goes on when the index cannot help (a phrase of common words, `-word`). */
const WALK_BUDGET_MS = 250;
/** Index matches of a phrase's words checked for the phrase itself, per page. */
const PHRASE_CANDIDATES = 300;
/** Messages larger than this (JSON text) are not sent to the page whole: the step's own view shows them. */
export const MAX_SHOWN_MESSAGE_BYTES = 64_000;
/** Characters of context kept around the first match in an excerpt. */
const EXCERPT_CHARS = 320;
const SEARCH_TIMEOUT_MS = 8000;

// ───────────── query parameters ─────────────

const promptVersionParam = z
  .string({ message: "not a version number" })
  .trim()
  .regex(/^[1-9]\d{0,6}$/, "not a version number (1, 2, 3 …)")
  .transform(Number)
  .optional();

/** Each parameter on its own, strict: what the page reports as ignored. */
const promptLogFields = {
  q: queryText(MAX_SEARCH_CHARS),
  prompt: queryText(100),
  version: promptVersionParam,
  model: queryText(200),
  agent: queryText(200),
  team: queryText(200),
  from: queryDate({ withTime: true }),
  to: queryDate({ withTime: true }),
  cursor: queryText(400),
};

/** Lenient: a malformed value is dropped (the page says which), never an error. */
export const promptLogQuerySchema = z.object({
  q: promptLogFields.q.catch(undefined),
  prompt: promptLogFields.prompt.catch(undefined),
  version: promptLogFields.version.catch(undefined),
  model: promptLogFields.model.catch(undefined),
  agent: promptLogFields.agent.catch(undefined),
  team: promptLogFields.team.catch(undefined),
  from: promptLogFields.from.catch(undefined),
  to: promptLogFields.to.catch(undefined),
  cursor: promptLogFields.cursor.catch(undefined),
});
/** The parameters as the form and links carry them (strings; `version` a number). */
export type PromptLogQuery = z.output<typeof promptLogQuerySchema>;

export interface PromptLogFilter {
  /** Web search syntax: words, "a phrase", or, -word. */
  q?: string;
  prompt?: string;
  version?: number;
  model?: string;
  agent?: string;
  team?: string;
  /** Calls started at or after. */
  from?: Date;
  /** Calls started before. */
  to?: Date;
  cursor?: string;
  limit?: number;
}

/** A field submitted empty (the form sends every field) is absent, not malformed. */
const given = (v: string | string[] | undefined): string | undefined => {
  const first = firstValue(v);
  return first === undefined || first.trim() === "" ? undefined : first;
};

function queryInput(params: PageSearchParams) {
  return {
    q: given(params.q),
    prompt: given(params.prompt),
    version: given(params.version),
    model: given(params.model),
    agent: given(params.agent),
    team: given(params.team),
    from: given(params.from),
    to: given(params.to),
    cursor: given(params.cursor),
  };
}

/** A cursor's time must be one the database can hold: a forged one would fail the query. */
function cursorTimeFits(value: string | number): value is string {
  return (
    typeof value === "string" &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) &&
    isCalendarTime(value.slice(0, 19)) &&
    yearInRange(value)
  );
}

/**
 * Next's searchParams → the form's values, the search filter, and every
 * parameter dropped with its reason (for the page's notice).
 */
export function parsePromptLogQuery(params: PageSearchParams): { query: PromptLogQuery; filter: PromptLogFilter; ignored: IgnoredQueryParam[] } {
  const input = queryInput(params);
  const query = promptLogQuerySchema.parse(input);
  const ignored = ignoredParams(promptLogFields, input);
  if (query.cursor) {
    const decoded = decodeCursor(query.cursor);
    if (!decoded || !cursorTimeFits(decoded[0])) {
      ignored.push({ name: "cursor", reason: "not a page link of this log (showing the first page)" });
      query.cursor = undefined;
    }
  }
  const from = query.from ? filterInstant(query.from, false) : undefined;
  let to = query.to ? filterInstant(query.to, true) : undefined;
  if (from && to && to <= from) {
    ignored.push({ name: "to", reason: "not after from" });
    query.to = undefined;
    to = undefined;
  }
  const filter: PromptLogFilter = {
    q: query.q,
    prompt: query.prompt,
    version: query.version,
    model: query.model,
    agent: query.agent,
    team: query.team,
    from,
    to,
    cursor: query.cursor,
    limit: PROMPT_LOG_PAGE_SIZE,
  };
  return { query, filter, ignored };
}

/** The query string of the page's parameters (with overrides), for links. */
export function promptLogQueryString(query: Partial<PromptLogQuery>, overrides: Partial<PromptLogQuery> = {}): string {
  const merged = { ...query, ...overrides };
  const out = new URLSearchParams();
  for (const key of ["q", "prompt", "version", "model", "agent", "team", "from", "to", "cursor"] as const) {
    const value = merged[key];
    if (value !== undefined && value !== "") out.set(key, String(value));
  }
  return out.toString();
}

// ───────────── the text query ─────────────

/** A tsquery as PostgreSQL prints it, read into what the search needs. */
export interface AnalyzedQuery {
  /** As printed, e.g. `'refund' & 'late' <-> 'fee'`. */
  text: string;
  /** The same with phrase operators made `&`: what the GIN index answers exactly. */
  words: string;
  hasPhrase: boolean;
  /** Lexemes every match contains (the positive ones of a query without `|`): the walk's pre-check. */
  required: string[];
  /**
   * Whether the GIN index can find the matches: false when a match may hold none of the query's
   * words (`-word`, `a or -b`), which GIN answers only by rechecking every call.
   */
  indexable: boolean;
  /** Lexemes not negated: the excerpt is taken around the first of them and highlights them all. */
  positive: string[];
}

type QueryToken = { lexeme: string; raw: string } | { op: string };

/** Tokens of a printed tsquery: quoted lexemes (with `''` and `\` escapes, optional `:*`/weights) and operators. */
function tokenizeTsquery(text: string): QueryToken[] | null {
  const tokens: QueryToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " ") {
      i++;
    } else if (c === "'") {
      let j = i + 1;
      let lexeme = "";
      for (;;) {
        if (j >= text.length) return null;
        const d = text[j]!;
        if (d === "\\" && j + 1 < text.length) {
          lexeme += text[j + 1];
          j += 2;
        } else if (d === "'" && text[j + 1] === "'") {
          lexeme += "'";
          j += 2;
        } else if (d === "'") {
          j++;
          break;
        } else {
          lexeme += d;
          j++;
        }
      }
      const suffix = /^:[*A-D]+/.exec(text.slice(j));
      if (suffix) j += suffix[0].length;
      tokens.push({ lexeme, raw: text.slice(i, j) });
      i = j;
    } else if (c === "<") {
      const op = /^<(-|\d+)>/.exec(text.slice(i));
      if (!op) return null;
      tokens.push({ op: op[0] });
      i += op[0].length;
    } else if ("&|!()".includes(c)) {
      tokens.push({ op: c });
      i++;
    } else {
      return null;
    }
  }
  return tokens;
}

const quoteLexeme = (lexeme: string) => `'${lexeme.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

/** Reads PostgreSQL's printed tsquery; null when it has no lexeme (nothing to search for) or cannot be read. */
export function analyzeTsquery(text: string): AnalyzedQuery | null {
  const tokens = tokenizeTsquery(text);
  if (!tokens) return null;
  const lexemes = tokens.filter((t): t is { lexeme: string; raw: string } => "lexeme" in t);
  if (lexemes.length === 0) return null;
  const isPhraseOp = (t: QueryToken) => "op" in t && t.op.startsWith("<");
  const hasPhrase = tokens.some(isPhraseOp);
  const words = tokens.map((t) => ("lexeme" in t ? t.raw : isPhraseOp(t) ? "&" : t.op)).join(" ");
  const negated = (i: number) => {
    const before = tokens[i - 1];
    return before !== undefined && "op" in before && before.op === "!";
  };
  const positive = tokens.filter((t, i): t is { lexeme: string; raw: string } => "lexeme" in t && !negated(i));
  const hasOr = tokens.some((t) => "op" in t && t.op === "|");
  const hasNot = tokens.some((t) => "op" in t && t.op === "!");
  return {
    text,
    words,
    hasPhrase,
    required: hasOr ? [] : [...new Set(positive.map((t) => t.lexeme))],
    positive: [...new Set(positive.map((t) => t.lexeme))],
    indexable: !hasNot || (!hasOr && positive.length > 0),
  };
}

// ───────────── the search ─────────────

/** A piece of an excerpt: `match` marks the searched words. Rendered as text, never HTML. */
export interface ExcerptPart {
  text: string;
  match: boolean;
}

export interface MessagesView {
  /** A readable piece of the text around the first match (or its start), highlighted. */
  excerpt: ExcerptPart[];
  /** The excerpt starts or ends inside the text. */
  clippedStart: boolean;
  clippedEnd: boolean;
  /** The whole messages document, or null when there is none or it is too large to show here. */
  messages: unknown;
  /** Size of the document as JSON text (0 when none). */
  bytes: number;
}

export interface PromptLogRow {
  stepId: string;
  runId: string;
  traceId: string;
  startedAt: string;
  agent: string | null;
  team: string | null;
  model: string | null;
  promptName: string | null;
  promptVersion: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  /** null when unpriced. */
  costUsd: number | null;
  status: "OK" | "FAILED";
  input: MessagesView;
  output: MessagesView;
}

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

interface Key {
  id: string;
  startedAt: Date;
}

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

// ───────────── the page's rows ─────────────

interface RowRecord {
  stepId: string;
  runId: string;
  traceId: string;
  startedAt: Date;
  agent: string | null;
  team: string | null;
  model: string | null;
  promptName: string | null;
  promptVersion: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: Prisma.Decimal | string | number | null;
  status: "OK" | "FAILED";
  inputMessages: unknown;
  outputMessages: unknown;
  inputBytes: number | null;
  outputBytes: number | null;
  inputExcerpt: string | null;
  outputExcerpt: string | null;
  inputClipStart: boolean | null;
  inputClipEnd: boolean | null;
  outputClipStart: boolean | null;
  outputClipEnd: boolean | null;
}

// Excerpt highlight markers: control characters never shown (removed from the text before highlighting).
const MARK_START = "\u0001";
const MARK_END = "\u0002";
const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true`;

/**
 * SQL for one side's excerpt: EXCERPT_CHARS of its text around the first searched
 * word (or from the start of the last message when none occurs), highlighted by ts_headline on
 * that piece only (never on the whole text, whose size is unbounded).
 */
function excerptSql(column: "inputMessages" | "outputMessages", query: AnalyzedQuery | null, name: "input" | "output") {
  const col = Prisma.raw(`s."${column}"`);
  const lexemes = query ? query.positive.slice(0, 20) : [];
  const first = lexemes.length
    ? Prisma.sql`(SELECT min(nullif(strpos(bl.lt, l), 0)) FROM unnest(ARRAY[${Prisma.join(lexemes)}]::text[]) l)`
    : Prisma.sql`NULL::int`;
  // Without a match the last message is the most telling part: what was newly sent, or what came back.
  const fallback = Prisma.sql`fd_prompt_log_text(CASE WHEN jsonb_typeof(${col}) = 'array' AND jsonb_array_length(${col}) > 0 THEN ${col} -> -1 ELSE ${col} END)`;
  const highlight = lexemes.length
    ? Prisma.sql`ts_headline('simple'::regconfig, w.piece, ${lexemes.map(quoteLexeme).join(" | ")}::tsquery, ${HEADLINE_OPTIONS})`
    : Prisma.sql`w.piece`;
  return Prisma.sql`
    LEFT JOIN LATERAL (
      SELECT ${highlight} AS excerpt, w.start > 1 AS clip_start, w.start + ${EXCERPT_CHARS} <= length(w.src) AS clip_end
      FROM (
        SELECT src, start, translate(substr(src, start, ${EXCERPT_CHARS}), ${MARK_START + MARK_END}, '') AS piece
        FROM (
          SELECT CASE WHEN m.p IS NULL THEN f.t ELSE b.t END AS src,
                 CASE WHEN m.p IS NULL THEN 1 ELSE greatest(1, m.p - ${Math.floor(EXCERPT_CHARS / 3)}) END AS start
          FROM (SELECT fd_prompt_log_text(${col}) AS t) b
          CROSS JOIN LATERAL (SELECT lower(b.t) AS lt OFFSET 0) bl
          CROSS JOIN LATERAL (SELECT ${first} AS p) m
          CROSS JOIN LATERAL (SELECT CASE WHEN m.p IS NULL THEN ${fallback} END AS t) f
        ) chosen
        WHERE src IS NOT NULL
      ) w
    ) ${Prisma.raw(`${name}_x`)} ON TRUE`;
}

/** The page's rows in key order, with names, excerpts and (bounded) messages. */
async function loadRows(tx: Tx, keys: Key[], query: AnalyzedQuery | null): Promise<PromptLogRow[]> {
  if (keys.length === 0) return [];
  const records = await tx.$queryRaw<RowRecord[]>`
    SELECT s.id AS "stepId", s."runId", s."traceId", s."startedAt", a.name AS agent, t.name AS team, s.model,
      s."promptName", s."promptVersion", s."inputTokens", s."outputTokens", CASE WHEN s.unpriced THEN NULL ELSE s."costUsd" END AS "costUsd",
      s.status::text AS status,
      octet_length(s."inputMessages"::text) AS "inputBytes", octet_length(s."outputMessages"::text) AS "outputBytes",
      CASE WHEN octet_length(s."inputMessages"::text) <= ${MAX_SHOWN_MESSAGE_BYTES} THEN s."inputMessages" END AS "inputMessages",
      CASE WHEN octet_length(s."outputMessages"::text) <= ${MAX_SHOWN_MESSAGE_BYTES} THEN s."outputMessages" END AS "outputMessages",
      input_x.excerpt AS "inputExcerpt", input_x.clip_start AS "inputClipStart", input_x.clip_end AS "inputClipEnd",
      output_x.excerpt AS "outputExcerpt", output_x.clip_start AS "outputClipStart", output_x.clip_end AS "outputClipEnd"
    FROM "Step" s
    JOIN "Run" r ON r.id = s."runId"
    LEFT JOIN "Agent" a ON a.id = r."agentId"
    LEFT JOIN "Team" t ON t.id = r."teamId"
    ${excerptSql("inputMessages", query, "input")}
    ${excerptSql("outputMessages", query, "output")}
    WHERE s.id IN (${Prisma.join(keys.map((k) => k.id))})`;
  const byId = new Map(records.map((r) => [r.stepId, r]));
  return keys.flatMap((k) => {
    const r = byId.get(k.id);
    return r ? [toRow(r)] : [];
  });
}

/** ts_headline's output (markers around matches) as parts; markers cannot come from the text (removed). */
export function excerptParts(text: string): ExcerptPart[] {
  const parts: ExcerptPart[] = [];
  const re = new RegExp(`${MARK_START}([^${MARK_END}]*)${MARK_END}`, "g");
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) parts.push({ text: text.slice(at, m.index), match: false });
    if (m[1]) parts.push({ text: m[1], match: true });
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts.map((p) => ({ ...p, text: p.text.replaceAll(MARK_START, "").replaceAll(MARK_END, "") })).filter((p) => p.text);
}

/** Drops the partial word at a clipped edge (the excerpt was cut by characters), when it is not a match. */
function trimClipped(parts: ExcerptPart[], start: boolean, end: boolean): ExcerptPart[] {
  const out = [...parts];
  const first = out[0];
  if (start && first && !first.match) out[0] = { ...first, text: first.text.replace(/^\S*\s+/, "") };
  const last = out[out.length - 1];
  if (end && last && !last.match) out[out.length - 1] = { ...last, text: last.text.replace(/\s+\S*$/, "") };
  return out.filter((p) => p.text);
}

function view(messages: unknown, bytes: number | null, excerpt: string | null, clipStart: boolean | null, clipEnd: boolean | null): MessagesView {
  return {
    excerpt: excerpt ? trimClipped(excerptParts(excerpt), Boolean(clipStart), Boolean(clipEnd)) : [],
    clippedStart: Boolean(clipStart),
    clippedEnd: Boolean(clipEnd),
    messages: messages ?? null,
    bytes: bytes ?? 0,
  };
}

function toRow(r: RowRecord): PromptLogRow {
  return {
    stepId: r.stepId,
    runId: r.runId,
    traceId: r.traceId,
    startedAt: r.startedAt.toISOString(),
    agent: r.agent,
    team: r.team,
    model: r.model,
    promptName: r.promptName,
    promptVersion: r.promptVersion,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    costUsd: r.costUsd === null ? null : Number(r.costUsd),
    status: r.status,
    input: view(r.inputMessages, r.inputBytes, r.inputExcerpt, r.inputClipStart, r.inputClipEnd),
    output: view(r.outputMessages, r.outputBytes, r.outputExcerpt, r.outputClipStart, r.outputClipEnd),
  };
}
