/** Reads of the model price table for Settings and GET /api/v1/model-prices, and of the re-pricings of unpriced calls. */
import "server-only";
import { db } from "@/lib/db";
import type { PriceRecompute } from "@/lib/generated/prisma/client";
import { buildPriceTable, toPriceRow, type PriceRow } from "./pricing";
import { countUnpricedCalls, type UnpricedModel } from "./recompute";
import type { PriceRecomputeJson } from "./schemas";

export type PriceStatus = "current" | "superseded" | "scheduled";

export interface ModelPriceView extends PriceRow {
  /** current: in force now; superseded: replaced by a later row of the same pattern; scheduled: effective in the future. */
  status: PriceStatus;
  /** When a later row of the same pattern took over, for superseded rows. */
  supersededAt: Date | null;
  createdAt: Date;
}

/** Every row, each with its status; grouped by pattern, newest first. */
export async function listModelPrices(now = new Date()): Promise<ModelPriceView[]> {
  const rows = await db.modelPrice.findMany({ orderBy: [{ matchPattern: "asc" }, { effectiveFrom: "desc" }] });
  const views: ModelPriceView[] = [];
  // The previous (later-dated, already in force) row of the same pattern, as we walk newest first.
  let laterPattern = "";
  let laterEffectiveFrom: Date | null = null;
  const currentSeen = new Set<string>();
  for (const r of rows) {
    const pattern = r.matchPattern.toLowerCase();
    if (laterPattern !== pattern) laterEffectiveFrom = null;
    let status: PriceStatus;
    if (r.effectiveFrom > now) status = "scheduled";
    else if (currentSeen.has(pattern)) status = "superseded";
    else {
      status = "current";
      currentSeen.add(pattern);
    }
    views.push({
      ...toPriceRow(r),
      status,
      supersededAt: status === "superseded" ? laterEffectiveFrom : null,
      createdAt: r.createdAt,
    });
    laterPattern = pattern;
    if (r.effectiveFrom <= now) laterEffectiveFrom = r.effectiveFrom;
  }
  return views;
}

/** The row that prices `model` at `at` (the same matching ingestion uses), or null when unpriced. */
export async function resolveModelPrice(model: string, at: Date): Promise<PriceRow | null> {
  const views = await listModelPrices(at);
  return buildPriceTable(views).find(model, at);
}

/** The JSON shape of a price (DESIGN.md "Model price", plus its status). */
export function modelPriceJson(p: PriceRow & Partial<Pick<ModelPriceView, "status" | "supersededAt">>) {
  return {
    id: p.id,
    model: p.model,
    matchPattern: p.matchPattern,
    inputPerMillion: p.inputPerMillion,
    outputPerMillion: p.outputPerMillion,
    cachedInputPerMillion: p.cachedInputPerMillion,
    effectiveFrom: p.effectiveFrom.toISOString(),
    ...(p.status ? { status: p.status, supersededAt: p.supersededAt?.toISOString() ?? null } : {}),
  };
}

// ── re-pricing of unpriced calls ────────────────────────────────────────────

export interface PriceRecomputeView extends Omit<PriceRecompute, "cursor" | "requestedById"> {
  /** The cost the batches added so far (their `model_price.reprice` audit events). */
  addedUsd: number;
}

/**
 * The dollars each recompute added: the sum of its batches' audit events,
 * which record them (the PriceRecompute row counts calls only).
 */
async function addedUsdOf(ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRaw<{ id: string; added: string }[]>`
    SELECT "targetId" AS id, COALESCE(SUM((metadata->>'addedUsd')::numeric), 0)::text AS added
    FROM "AuditEvent"
    WHERE "targetType" = 'price_recompute' AND "targetId" = ANY(${ids}) AND action = 'model_price.reprice'
    GROUP BY "targetId"`;
  return new Map(rows.map((r) => [r.id, Number(r.added)]));
}

async function withAddedUsd(rows: PriceRecompute[]): Promise<PriceRecomputeView[]> {
  const added = await addedUsdOf(rows.map((r) => r.id));
  return rows.map(({ cursor: _cursor, requestedById: _by, ...r }) => ({ ...r, addedUsd: added.get(r.id) ?? 0 }));
}

export async function getPriceRecompute(id: string): Promise<PriceRecomputeView | null> {
  const row = await db.priceRecompute.findUnique({ where: { id } });
  return row ? ((await withAddedUsd([row]))[0] ?? null) : null;
}

export interface UnpricedModelView {
  model: string | null;
  calls: number;
  /** A price is in force at its latest unpriced call's start: re-pricing prices some of its calls (prices only ever start, never end). */
  priced: boolean;
}

export interface PriceRecomputeOverview {
  /** Queued or running, oldest first. */
  active: PriceRecomputeView[];
  /** The latest finished one (done or failed), if any. */
  latest: PriceRecomputeView | null;
  /** The calls still without a price, per model, most first. */
  unpriced: { calls: number; models: UnpricedModelView[] };
}

export async function getPriceRecomputeOverview(): Promise<PriceRecomputeOverview> {
  const [active, latest, unpriced, prices] = await Promise.all([
    db.priceRecompute.findMany({ where: { status: { in: ["QUEUED", "RUNNING"] } }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    db.priceRecompute.findFirst({ where: { status: { in: ["DONE", "FAILED"] } }, orderBy: [{ finishedAt: "desc" }, { createdAt: "desc" }] }),
    countUnpricedCalls(db, null),
    db.modelPrice.findMany(),
  ]);
  const table = buildPriceTable(prices.map(toPriceRow));
  const models = unpriced.models.map((m: UnpricedModel) => ({ model: m.model, calls: m.calls, priced: m.model !== null && table.find(m.model, m.lastAt) !== null }));
  const views = await withAddedUsd(latest ? [...active, latest] : active);
  return { active: views.slice(0, active.length), latest: latest ? views.at(-1)! : null, unpriced: { calls: unpriced.calls, models } };
}

/** Unpriced calls a price of this pattern would cover (offered right after adding it). */
export async function countUnpricedCallsMatching(matchPattern: string): Promise<number> {
  return (await countUnpricedCalls(db, matchPattern)).calls;
}

export function priceRecomputeJson(r: PriceRecomputeView): PriceRecomputeJson {
  return {
    id: r.id,
    status: r.status,
    matchPattern: r.matchPattern,
    total: r.total,
    done: r.done,
    repriced: r.repriced,
    stillUnpriced: r.stillUnpriced,
    addedUsd: r.addedUsd,
    error: r.error,
    requestedByName: r.requestedByName,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}
