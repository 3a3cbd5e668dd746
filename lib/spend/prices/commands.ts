/**
 * Model prices: the audited domain functions behind Settings › Model prices
 * and POST /api/v1/model-prices. No `server-only` guard: the seed and the
 * demo CLI (plain Node) call `seedModelPrices` too.
 */
import { appendAudit, type Actor } from "@/lib/audit";
import { db, type Tx } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";

import { toPriceRow, type PriceRow } from "./pricing";
import type { CreateModelPriceInput } from "./schemas";
import { SEED_PRICES, SEED_PRICES_EFFECTIVE_FROM } from "./seed";

/** Adds a price; a row with a later effective date supersedes older rows of the same pattern from that date on. */
export async function createModelPrice(actor: Actor, input: CreateModelPriceInput): Promise<PriceRow> {
  try {
    return await db.$transaction(async (tx) => {
      const created = toPriceRow(
        await tx.modelPrice.create({
          data: {
            model: input.model,
            matchPattern: input.matchPattern,
            inputPerMillion: input.inputPerMillion,
            outputPerMillion: input.outputPerMillion,
            cachedInputPerMillion: input.cachedInputPerMillion,
            effectiveFrom: input.effectiveFrom,
          },
        }),
      );
      const previous = await tx.modelPrice.findFirst({
        where: { matchPattern: input.matchPattern, effectiveFrom: { lt: input.effectiveFrom } },
        orderBy: { effectiveFrom: "desc" },
      });
      await appendAudit(tx, {
        actor,
        action: "model_price.create",
        targetType: "model_price",
        targetId: created.id,
        before: previous ? toPriceRow(previous) : null,
        after: created,
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError(
        "conflict:model_price",
        `A price for “${input.matchPattern}” effective ${input.effectiveFrom.toISOString()} already exists; choose another effective date.`,
      );
    }
    throw error;
  }
}

/** Removes a price row (e.g. a mistyped one). Costs already computed with it stay as stored. */
export async function deleteModelPrice(actor: Actor, id: string): Promise<PriceRow> {
  return db.$transaction(async (tx) => {
    const existing = await tx.modelPrice.findUnique({ where: { id } });
    if (!existing) throw new AppError("not_found:model_price", "That price no longer exists.");
    await tx.modelPrice.delete({ where: { id } });
    const before = toPriceRow(existing);
    await appendAudit(tx, { actor, action: "model_price.delete", targetType: "model_price", targetId: id, before });
    return before;
  });
}

/** Seeds the public list prices into an empty table (demo seed and first start); one audit event for the batch. */
export async function seedModelPrices(tx: Tx, actor: Actor): Promise<number> {
  if ((await tx.modelPrice.count()) > 0) return 0;
  const { count } = await tx.modelPrice.createMany({
    data: SEED_PRICES.map((p) => ({
      model: p.model,
      matchPattern: p.matchPattern,
      inputPerMillion: p.input,
      outputPerMillion: p.output,
      cachedInputPerMillion: p.cachedInput,
      effectiveFrom: SEED_PRICES_EFFECTIVE_FROM,
    })),
  });
  await appendAudit(tx, {
    actor,
    action: "model_price.seed",
    targetType: "model_price",
    after: { count, effectiveFrom: SEED_PRICES_EFFECTIVE_FROM, patterns: SEED_PRICES.map((p) => p.matchPattern) },
  });
  return count;
}
