/**
 * Loop detection: the same tool with the same normalized arguments, or the
 * same decision, repeated at least N times in one run (N = the agent's
 * loopThreshold, default 3). The pure functions state the rule and are
 * unit-tested; `flagLoops` applies the same rule in one set-based SQL
 * statement over the runs an ingestion batch touched.
 */
import type { Tx } from "@/lib/db";

export const DEFAULT_LOOP_THRESHOLD = 3;

export interface LoopCandidate {
  id: string;
  kind: string;
  tool: string | null;
  arguments: unknown;
  decision: unknown;
}

/**
 * Arguments compared after normalization: key order does not matter (JSONB
 * stores keys sorted, and we sort here), nor does case or whitespace. A string
 * is compared by its text (ingestion has already parsed strings carrying JSON).
 */
export function normalizeArguments(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : canonicalJson(value);
  return text.toLowerCase().replace(/\s+/g, "");
}

/** JSONB's text form: keys ordered by length, then bytewise. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(", ")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${canonicalJson((value as Record<string, unknown>)[k])}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}

/** The repetition key of a step, or null when it cannot loop (not a tool call or decision). */
export function loopKey(step: LoopCandidate): string | null {
  if (step.kind === "TOOL_CALL" && step.tool) return `tool:${step.tool}:${normalizeArguments(step.arguments)}`;
  if (step.kind === "DECISION" && step.decision && typeof step.decision === "object") {
    const chosen = (step.decision as { chosen?: unknown }).chosen;
    if (typeof chosen === "string" && chosen.trim()) return `decision:${chosen.trim().toLowerCase()}`;
  }
  return null;
}

/** Ids of the steps that take part in a loop. */
export function detectLoops(steps: LoopCandidate[], threshold = DEFAULT_LOOP_THRESHOLD): Set<string> {
  const groups = new Map<string, string[]>();
  for (const s of steps) {
    const key = loopKey(s);
    if (key === null) continue;
    const list = groups.get(key) ?? [];
    list.push(s.id);
    groups.set(key, list);
  }
  const looping = new Set<string>();
  for (const ids of groups.values()) if (ids.length >= Math.max(2, threshold)) ids.forEach((id) => looping.add(id));
  return looping;
}

/**
 * Flags looping steps and their runs among `runIds`, in one statement. The
 * normalization mirrors `normalizeArguments` (JSONB's sorted keys, lower case,
 * no whitespace, a string compared by its text). Returns the ids of runs newly flagged.
 */
export async function flagLoops(tx: Tx, runIds: string[]): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH keyed AS (
      SELECT s.id, s."runId", s."flagLoop",
        CASE
          WHEN s.kind = 'TOOL_CALL' AND s.tool IS NOT NULL THEN
            'tool:' || s.tool || ':' || md5(regexp_replace(lower(
              CASE WHEN s.arguments IS NULL OR s.arguments = 'null'::jsonb THEN ''
                   WHEN jsonb_typeof(s.arguments) = 'string' THEN s.arguments #>> '{}'
                   ELSE s.arguments::text END), '\\s+', '', 'g'))
          WHEN s.kind = 'DECISION' AND jsonb_typeof(s.decision -> 'chosen') = 'string' AND btrim(s.decision ->> 'chosen') <> '' THEN
            'decision:' || lower(btrim(s.decision ->> 'chosen'))
        END AS key
      FROM "Step" s
      WHERE s."runId" = ANY(${runIds}) AND s.kind IN ('TOOL_CALL', 'DECISION')
    ),
    counted AS (
      SELECT k.id, k."runId", k."flagLoop", count(*) OVER (PARTITION BY k."runId", k.key) AS n
      FROM keyed k WHERE k.key IS NOT NULL
    ),
    looping AS (
      SELECT c.id, c."runId" FROM counted c
      JOIN "Run" r ON r.id = c."runId"
      LEFT JOIN "Agent" a ON a.id = r."agentId"
      WHERE NOT c."flagLoop" AND c.n >= GREATEST(2, COALESCE(a."loopThreshold", ${DEFAULT_LOOP_THRESHOLD}))
    ),
    steps AS (
      UPDATE "Step" s SET "flagLoop" = true FROM looping l WHERE s.id = l.id RETURNING s."runId"
    )
    UPDATE "Run" r SET "flagLoop" = true, "updatedAt" = now()
    WHERE r.id IN (SELECT DISTINCT "runId" FROM steps) AND NOT r."flagLoop"
    RETURNING r.id`;
  return rows.map((r) => r.id);
}
