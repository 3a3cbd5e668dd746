/** Reads of the model price table for Settings and GET /api/v1/model-prices. */
import "server-only";
import { db } from "@/lib/db";
import { buildPriceTable, toPriceRow, type PriceRow } from "./pricing";

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
