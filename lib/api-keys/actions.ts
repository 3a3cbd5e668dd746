"use server";

import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { createApiKeySchema } from "./schemas";
import { createApiKey, revokeApiKey } from "./commands";

export async function createApiKeyAction(
  _prev: ActionState<{ secret: string; name: string }>,
  formData: FormData,
): Promise<ActionState<{ secret: string; name: string }>> {
  try {
    const me = await requireScope("admin");
    const parsed = createApiKeySchema.safeParse({
      // `keyName`, not `name`: Settings has a user form whose "name" field would share the element id.
      name: formData.get("keyName"),
      scopes: formData.getAll("scopes"),
      expiresInDays: formData.get("expiresInDays") || 0,
      agent: formData.get("keyAgent") ?? undefined,
    });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const { key, secret } = await createApiKey(actorOf(me), parsed.data);
    revalidatePath("/settings");
    return { status: "success", message: `Created key “${key.name}”.`, data: { secret, name: key.name } };
  } catch (error) {
    return actionError(error, "createApiKey");
  }
}

export async function revokeApiKeyAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const id = formData.get("keyId");
    if (typeof id !== "string" || !id) return invalid({ keyId: ["Missing key."] });
    const key = await revokeApiKey(actorOf(me), id);
    revalidatePath("/settings");
    return { status: "success", message: `Revoked “${key.name}”.` };
  } catch (error) {
    return actionError(error, "revokeApiKey");
  }
}
