/**
 * The model price table and cost computation used at ingestion.
 * CONTRACT (ingestion calls this; keep the signatures): `loadPriceTable(tx, version?)`
 * once per ingestion transaction, then `table.find(model, at)` and
 * `computeCost(price, usage)` per LLM span.
 *
 * Matching: a row's `matchPattern` is an exact model name or a glob with `*`,
 * compared case-insensitively. The most specific pattern with a price in force
 * wins (exact beats glob; a glob with more literal characters beats a shorter
 * one); per pattern, the row with the latest `effectiveFrom` not after the
 * span's time is in force. Names as providers and SDKs send them also resolve:
 * `openai/gpt-4o`, `models/gemini-1.5-pro`, `us.anthropic.claude-3-5-sonnet-20241022-v2:0`,
 * `gpt-4o-2024-08-06`, `claude-3-5-sonnet-latest`. An unknown model gets null,
 * never a zero price.
 */
import type { Tx } from "@/lib/db";
import type { ModelPrice } from "@/lib/generated/prisma/client";

export interface PriceRow {
  id: string;
  model: string;
  matchPattern: string;
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion: number | null;
  effectiveFrom: Date;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

export interface PriceTable {
  /** The price in force for `model` at `at`, or null when the model is unpriced. */
  find(model: string, at: Date): PriceRow | null;
}

/** All rows of one match pattern, newest first. */
interface PriceSeries {
  pattern: string;
  specificity: number;
  test: ((name: string) => boolean) | null;
  rows: PriceRow[];
}

const EXACT_SPECIFICITY = Number.MAX_SAFE_INTEGER;

export function isGlob(pattern: string): boolean {
  return pattern.includes("*");
}

/** Literal characters of a glob: more of them = more specific. Exact names beat every glob. */
export function patternSpecificity(pattern: string): number {
  return isGlob(pattern) ? pattern.replaceAll("*", "").length : EXACT_SPECIFICITY;
}

export function globToRegExp(pattern: string): RegExp {
  const source = pattern
    .toLowerCase()
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`);
}

/**
 * Names to try for a model, most literal first: as sent, without a provider
 * prefix, then without a date/version suffix.
 */
export function candidateNames(model: string): string[] {
  const names: string[] = [];
  const add = (name: string) => {
    if (name && !names.includes(name)) names.push(name);
  };
  let name = model.trim().toLowerCase();
  add(name);
  // `openai/gpt-4o`, `models/gemini-1.5-pro`, `meta-llama/Llama-3.3-70B-Instruct-Turbo`
  name = name.slice(name.lastIndexOf("/") + 1);
  // Bedrock: `us.anthropic.claude-3-5-sonnet-20241022-v2:0`, `anthropic.claude-3-haiku-20240307-v1:0`
  name = name.replace(/^(?:(?:us|eu|apac|global)\.)?(?:anthropic|meta|mistral|amazon|cohere)\./, "");
  name = name.replace(/(?:-v\d+)?:\d+$/, "");
  // Vertex: `claude-3-5-sonnet-v2@20241022`
  name = name.replace(/(?:-v\d+)?@\d{8}$/, "");
  add(name);
  const undated = name
    .replace(/-(?:latest|preview|exp)$/, "")
    .replace(/-\d{4}-\d{2}-\d{2}$/, "") // gpt-4o-2024-08-06
    .replace(/-\d{8}$/, "") // claude-3-5-sonnet-20241022
    .replace(/-\d{3}$/, "") // gemini-1.5-pro-002
    .replace(/-\d{4}$/, ""); // gpt-4-0613, mistral-large-2411
  add(undated);
  return names;
}

export function buildPriceTable(rows: readonly PriceRow[]): PriceTable {
  const byPattern = new Map<string, PriceSeries>();
  for (const row of rows) {
    const pattern = row.matchPattern.trim().toLowerCase();
    let series = byPattern.get(pattern);
    if (!series) {
      series = {
        pattern,
        specificity: patternSpecificity(pattern),
        test: isGlob(pattern) ? ((re) => (name: string) => re.test(name))(globToRegExp(pattern)) : null,
        rows: [],
      };
      byPattern.set(pattern, series);
    }
    series.rows.push(row);
  }
  for (const series of byPattern.values()) series.rows.sort((a, b) => b.effectiveFrom.getTime() - a.effectiveFrom.getTime());
  const globs = [...byPattern.values()].filter((s) => s.test).sort((a, b) => b.specificity - a.specificity);

  // Series that may price a model, in order of preference; cached per model name
  // because one ingestion batch repeats the same few models thousands of times.
  const seriesCache = new Map<string, PriceSeries[]>();
  const seriesFor = (model: string): PriceSeries[] => {
    let found = seriesCache.get(model);
    if (found) return found;
    found = [];
    for (const name of candidateNames(model)) {
      const exact = byPattern.get(name);
      if (exact && !exact.test) found.push(exact);
      for (const glob of globs) if (glob.test!(name) && !found.includes(glob)) found.push(glob);
    }
    if (seriesCache.size > 10_000) seriesCache.clear();
    seriesCache.set(model, found);
    return found;
  };

  return {
    find(model, at) {
      if (!model) return null;
      const time = at.getTime();
      for (const series of seriesFor(model)) {
        const row = series.rows.find((r) => r.effectiveFrom.getTime() <= time);
        if (row) return row;
      }
      return null;
    },
  };
}

/**
 * One statement giving a version of the whole price table (a hash of its rows):
 * ingestion reads it in its transaction and passes it to `loadPriceTable`, which
 * then reuses the table built for that version instead of reading every price.
 */
export const PRICE_TABLE_VERSION_SQL = `SELECT md5(COALESCE(string_agg(p::text, ',' ORDER BY p.id), '')) FROM "ModelPrice" p`;

const globalForPrices = globalThis as unknown as { flightdeckPriceTable?: { version: string; table: PriceTable } };

/**
 * The price table. With `version` (from PRICE_TABLE_VERSION_SQL, read in the
 * same transaction) the table built for that version is reused: a price
 * added, changed or removed by any instance changes the version, so the cache
 * is never stale; it also keeps the per-model lookups warm across requests.
 */
export async function loadPriceTable(tx: Tx, version?: string): Promise<PriceTable> {
  const cached = globalForPrices.flightdeckPriceTable;
  if (version !== undefined && cached?.version === version) return cached.table;
  const table = await readPriceTable(tx);
  if (version !== undefined) globalForPrices.flightdeckPriceTable = { version, table };
  return table;
}

/** A stored price with its Decimal columns as numbers. */
export function toPriceRow(r: ModelPrice): PriceRow {
  return {
    id: r.id,
    model: r.model,
    matchPattern: r.matchPattern,
    inputPerMillion: Number(r.inputPerMillion),
    outputPerMillion: Number(r.outputPerMillion),
    cachedInputPerMillion: r.cachedInputPerMillion === null ? null : Number(r.cachedInputPerMillion),
    effectiveFrom: r.effectiveFrom,
  };
}

async function readPriceTable(tx: Tx): Promise<PriceTable> {
  const rows = await tx.modelPrice.findMany({ orderBy: { effectiveFrom: "desc" } });
  return buildPriceTable(
    rows.map(toPriceRow),
  );
}

/** USD. Cached input tokens are part of input tokens and priced at the cached rate when there is one. */
export function computeCost(price: PriceRow, usage: TokenUsage): number {
  const input = Math.max(0, usage.inputTokens);
  const cached = Math.min(Math.max(0, usage.cachedInputTokens), input);
  const uncached = input - cached;
  const cachedRate = price.cachedInputPerMillion ?? price.inputPerMillion;
  const cost = (uncached * price.inputPerMillion + cached * cachedRate + Math.max(0, usage.outputTokens) * price.outputPerMillion) / 1_000_000;
  // The column keeps 9 decimals; round here so sums over many steps stay exact.
  return Math.round(cost * 1e9) / 1e9;
}
