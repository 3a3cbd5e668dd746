"use server";

import { after } from "next/server";
import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { runJobNow } from "@/lib/jobs/scheduler";
import { actorOf, requireScope } from "@/lib/session";
import { createModelPriceSchema, deleteModelPriceSchema, modelPriceFromForm, priceRecomputeFromForm, startPriceRecomputeSchema } from "./schemas";
import { createModelPrice, deleteModelPrice, queuePriceRecompute } from "./commands";
import { countUnpricedCallsMatching } from "./queries";
import { PRICE_RECOMPUTE_JOB } from "./recompute";

/** What Settings offers after a price is added: re-pricing the unpriced calls it covers. */
export interface AddedPrice {
  priceId: string;
  matchPattern: string;
  unpricedCalls: number;
}

export async function createModelPriceAction(_prev: ActionState<AddedPrice>, formData: FormData): Promise<ActionState<AddedPrice>> {
  try {
    const me = await requireScope("admin");
    const parsed = createModelPriceSchema.safeParse(modelPriceFromForm(formData));
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const price = await createModelPrice(actorOf(me), parsed.data);
    const unpricedCalls = await countUnpricedCallsMatching(price.matchPattern);
    revalidatePath("/settings");
    return {
      status: "success",
      message: `Added ${price.model} (${price.matchPattern}) effective ${price.effectiveFrom.toISOString().slice(0, 10)}.`,
      data: { priceId: price.id, matchPattern: price.matchPattern, unpricedCalls },
    };
  } catch (error) {
    return actionError(error, "createModelPrice");
  }
}

export async function deleteModelPriceAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = deleteModelPriceSchema.safeParse({ id: formData.get("id") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const price = await deleteModelPrice(actorOf(me), parsed.data.id);
    revalidatePath("/settings");
    return { status: "success", message: `Deleted the price of ${price.model} effective ${price.effectiveFrom.toISOString().slice(0, 10)}.` };
  } catch (error) {
    return actionError(error, "deleteModelPrice");
  }
}

/** Queues a re-pricing (audited, admins only) and starts the job's next tick at once instead of within its interval. */
export async function startPriceRecomputeAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = startPriceRecomputeSchema.safeParse(priceRecomputeFromForm(formData));
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues), "That is not a price's pattern.");
    const recompute = await queuePriceRecompute(actorOf(me), parsed.data);
    // After the response: the tick runs batches for up to seconds, and the page follows its progress.
    after(() => runJobNow(PRICE_RECOMPUTE_JOB).then(() => undefined));
    revalidatePath("/settings");
    const calls = `${recompute.total.toLocaleString("en-US")} unpriced call${recompute.total === 1 ? "" : "s"}`;
    return { status: "success", message: `Re-pricing ${calls}${recompute.matchPattern ? ` of “${recompute.matchPattern}”` : ""}.` };
  } catch (error) {
    return actionError(error, "startPriceRecompute");
  }
}
