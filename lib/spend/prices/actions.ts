"use server";

import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { createModelPriceSchema, deleteModelPriceSchema, modelPriceFromForm } from "./schemas";
import { createModelPrice, deleteModelPrice } from "./commands";

export async function createModelPriceAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = createModelPriceSchema.safeParse(modelPriceFromForm(formData));
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const price = await createModelPrice(actorOf(me), parsed.data);
    revalidatePath("/settings");
    return {
      status: "success",
      message: `Added ${price.model} (${price.matchPattern}) effective ${price.effectiveFrom.toISOString().slice(0, 10)}.`,
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
