"use server";

import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { isAppError } from "@/lib/errors";
import { createCustomRuleSchema, setBuiltinDetectorsSchema, setRedactionEnabledSchema, toggleCustomRuleSchema, ruleIdSchema } from "./schemas";
import { createCustomRule, deleteCustomRule, setBuiltinDetectors, setCustomRuleEnabled, setRedactionEnabled } from "./commands";

export async function setRedactionEnabledAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = setRedactionEnabledSchema.safeParse({ enabled: formData.get("enabled") === "true" });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    await setRedactionEnabled(actorOf(me), parsed.data.enabled);
    revalidatePath("/settings");
    return {
      status: "success",
      message: parsed.data.enabled ? "Redaction is on: telemetry received from now on is redacted before it is stored." : "Redaction is off.",
    };
  } catch (error) {
    return actionError(error, "setRedactionEnabled");
  }
}

export async function setBuiltinDetectorsAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = setBuiltinDetectorsSchema.safeParse({ enabled: formData.getAll("builtin") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    await setBuiltinDetectors(actorOf(me), parsed.data.enabled);
    revalidatePath("/settings");
    return { status: "success", message: "Saved the detectors." };
  } catch (error) {
    return actionError(error, "setBuiltinDetectors");
  }
}

export async function createCustomRuleAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = createCustomRuleSchema.safeParse({ ruleName: formData.get("ruleName") ?? "", rulePattern: formData.get("rulePattern") ?? "" });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const rule = await createCustomRule(actorOf(me), parsed.data);
    revalidatePath("/settings");
    return { status: "success", message: `Added the rule “${rule.name}”.` };
  } catch (error) {
    if (isAppError(error) && error.code === "bad_request:redaction_rule") return invalid({ rulePattern: [error.message] });
    return actionError(error, "createCustomRule");
  }
}

export async function toggleCustomRuleAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = toggleCustomRuleSchema.safeParse({ ruleId: formData.get("ruleId"), enabled: formData.get("enabled") === "true" });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const rule = await setCustomRuleEnabled(actorOf(me), parsed.data.ruleId, parsed.data.enabled);
    revalidatePath("/settings");
    return { status: "success", message: `${rule.name}: ${rule.enabled ? "on" : "off"}.` };
  } catch (error) {
    return actionError(error, "toggleCustomRule");
  }
}

export async function deleteCustomRuleAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = ruleIdSchema.safeParse({ ruleId: formData.get("ruleId") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const rule = await deleteCustomRule(actorOf(me), parsed.data.ruleId);
    revalidatePath("/settings");
    return { status: "success", message: `Deleted the rule “${rule.name}”.` };
  } catch (error) {
    return actionError(error, "deleteCustomRule");
  }
}
