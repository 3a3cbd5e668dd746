/**
 * The Prompt log's rows as the page shows them: a call's names and figures, and for each side an
 * excerpt around the first searched word, highlighted (as text parts, never HTML), with the whole
 * messages when they are small enough to send to the page.
 */
import "server-only";
import type { Tx } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { quoteLexeme, type AnalyzedQuery } from "./tsquery";

/** Messages larger than this (JSON text) are not sent to the page whole: the step's own view shows them. */
export const MAX_SHOWN_MESSAGE_BYTES = 64_000;
/** Characters of context kept around the first match in an excerpt. */
const EXCERPT_CHARS = 320;

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

/** A call's place in the log's order (startedAt DESC, id DESC): what searches find and cursors hold. */
export interface CallKey {
  id: string;
  startedAt: Date;
}

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
export async function loadRows(tx: Tx, keys: CallKey[], query: AnalyzedQuery | null): Promise<PromptLogRow[]> {
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
