"use server";
/** The Agents pages' server actions: proposing a new configuration version (a change). */

import "@/lib/changes/appliers";
import { revalidatePath } from "next/cache";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { proposeAgentConfig, setConfigProtected } from "./config";
import { agentConfigFormSchema } from "./config-schema";

const FIELDS = ["agent", "model", "promptName", "promptLabel", "allowedTools", "authorityLimits", "autonomyLevel", "reason"] as const;

export async function proposeAgentConfigAction(_prev: ActionState<{ changeId: string; applied: boolean }>, formData: FormData): Promise<ActionState<{ changeId: string; applied: boolean }>> {
  try {
    const me = await requireScope("agents:write");
    const input = Object.fromEntries(FIELDS.map((f) => [f, typeof formData.get(f) === "string" ? String(formData.get(f)) : ""]));
    const parsed = agentConfigFormSchema.safeParse(input);
    if (!parsed.success) {
      // Errors of the nested config are shown on the form's fields of the same name.
      return invalid(fieldErrors(parsed.error.issues.map((i) => ({ ...i, path: i.path[0] === "config" ? i.path.slice(1, 2) : i.path.slice(0, 1) }))));
    }
    const { change, applied } = await proposeAgentConfig(actorOf(me), parsed.data);
    revalidatePath("/agents");
    revalidatePath(`/agents/${parsed.data.agent}`);
    revalidatePath("/changes");
    return {
      status: "success",
      message: applied ? `Applied: ${change.title}.` : `Proposed: ${change.title}. It waits for another person's approval.`,
      data: { changeId: change.id, applied },
    };
  } catch (error) {
    return actionError(error, "proposeAgentConfig");
  }
}

/** Turns an agent's configuration protection on or off (admins). */
export async function setConfigProtectedAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const agent = formData.get("agent");
    const value = formData.get("configProtected");
    if (typeof agent !== "string" || agent.length === 0 || agent.length > 200 || (value !== "on" && value !== "off")) return { status: "error", message: "Unknown agent or setting." };
    const on = await setConfigProtected(actorOf(me), agent, value === "on");
    revalidatePath(`/agents/${agent}`);
    return { status: "success", message: on ? "Protected: new configurations wait for another person's approval." : "Not protected: new configurations apply at once." };
  } catch (error) {
    return actionError(error, "setConfigProtected");
  }
}
