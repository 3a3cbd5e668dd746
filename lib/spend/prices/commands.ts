/**
 * Model prices: the audited commands behind Settings › Model prices and
 * POST /api/v1/model-prices. No `server-only` guard: the seed and the demo CLI
 * (plain Node) call `seedModelPrices` too.
 */
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { toPriceRow, type PriceRow } from "./pricing";
import type { CreateModelPriceInput } from "./schemas";
import { SEED_PRICES, SEED_PRICES_EFFECTIVE_FROM } from "./seed";

const ADMIN = { user: "admin", key: "admin" } as const;

/** Adds a price; a row with a later effective date supersedes older rows of the same pattern from that date on. */
export const createModelPriceCommand = defineCommand("model_price.create", ADMIN, async (tx, _actor, input: CreateModelPriceInput) => {
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
  return {
    result: created,
    audit: { targetType: "model_price", targetId: created.id, before: previous ? toPriceRow(previous) : null, after: created },
  };
});

/** Removes a price row (e.g. a mistyped one). Costs already computed with it stay as stored. */
export const deleteModelPriceCommand = defineCommand("model_price.delete", ADMIN, async (tx, _actor, id: string) => {
  const existing = await tx.modelPrice.findUnique({ where: { id } });
  if (!existing) throw new AppError("not_found:model_price", "That price no longer exists.");
  await tx.modelPrice.delete({ where: { id } });
  const before = toPriceRow(existing);
  return { result: before, audit: { targetType: "model_price", targetId: id, before } };
});

/** Seeds the public list prices into an empty table (demo seed and first start); one audit event for the batch. */
export const seedModelPricesCommand = defineCommand("model_price.seed", ADMIN, async (tx, _actor, _input: void) => {
  if ((await tx.modelPrice.count()) > 0) return { result: 0, audit: null };
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
  return {
    result: count,
    audit: { targetType: "model_price", after: { count, effectiveFrom: SEED_PRICES_EFFECTIVE_FROM, patterns: SEED_PRICES.map((p) => p.matchPattern) } },
  };
});

export async function createModelPrice(actor: Actor, input: CreateModelPriceInput): Promise<PriceRow> {
  try {
    return await execute(createModelPriceCommand, actor, input);
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

export const deleteModelPrice = (actor: Actor, id: string) => execute(deleteModelPriceCommand, actor, id);
export const seedModelPrices = (tx: Tx, actor: Actor) => seedModelPricesCommand(tx, actor, undefined);
