/**
 * Model prices: the audited commands behind Settings › Model prices and
 * POST /api/v1/model-prices, and the queueing of a re-pricing of unpriced
 * calls (the job's batches are recompute.ts's). No `server-only` guard: the
 * seed and the demo CLI (plain Node) call `seedModelPrices` too.
 */
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import type { PriceRecompute } from "@/lib/generated/prisma/client";
import { toPriceRow, type PriceRow } from "./pricing";
import { countUnpricedCalls, modelMatcher } from "./recompute";
import type { CreateModelPriceInput, StartPriceRecomputeInput } from "./schemas";
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

/** Arbitrary 64-bit key of the lock that serialises queueing re-pricings (the overlap check must see the others). */
const RECOMPUTE_QUEUE_LOCK_KEY = 7_316_420_551_010n;

const describePattern = (pattern: string | null) => (pattern === null ? "every unpriced call" : `“${pattern}”`);

/**
 * Queues the re-pricing of the unpriced calls a pattern covers (null: all),
 * counted now as its total; the `price_recompute` job does the work. Refused
 * while a queued or running re-pricing covers some of the same calls: the
 * batches would only skip what the other re-prices (each call is re-priced
 * once whatever runs), but two progress bars over one set of calls say
 * nothing useful. Re-pricings of disjoint calls queue and run in turn.
 */
export const queuePriceRecomputeCommand = defineCommand("model_price.recompute", ADMIN, async (tx, actor, input: StartPriceRecomputeInput) => {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${RECOMPUTE_QUEUE_LOCK_KEY})`;
  const { calls, models } = await countUnpricedCalls(tx, input.matchPattern);
  if (calls === 0) {
    throw new AppError("conflict:price_recompute_empty", `No unpriced calls match ${describePattern(input.matchPattern)}: there is nothing to re-price.`);
  }
  const active = await tx.priceRecompute.findMany({ where: { status: { in: ["QUEUED", "RUNNING"] } }, orderBy: { createdAt: "asc" } });
  const overlapping = active.find((other) => {
    const covers = modelMatcher(other.matchPattern);
    return models.some((m) => covers(m.model));
  });
  if (overlapping) {
    throw new AppError(
      "conflict:price_recompute",
      `A re-pricing of ${describePattern(overlapping.matchPattern)} is already ${overlapping.status === "QUEUED" ? "queued" : `running (${overlapping.done.toLocaleString("en-US")} of ${overlapping.total.toLocaleString("en-US")} calls)`} and covers some of these calls. Wait until it has finished, then re-price what is still unpriced.`,
    );
  }
  const created = await tx.priceRecompute.create({
    data: { matchPattern: input.matchPattern, total: calls, requestedById: actor.id ?? null, requestedByName: actor.label },
  });
  return {
    result: created,
    audit: {
      targetType: "price_recompute",
      targetId: created.id,
      after: { status: created.status, matchPattern: created.matchPattern, total: created.total },
      metadata: { models: models.slice(0, 20).map(({ model, calls }) => ({ model, calls })) },
    },
  };
});

export const queuePriceRecompute = (actor: Actor, input: StartPriceRecomputeInput): Promise<PriceRecompute> =>
  execute(queuePriceRecomputeCommand, actor, input);
