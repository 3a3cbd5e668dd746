"use server";
/** The kill switch of the console: pause or resume one agent or every agent of a team (agents:control). */

import { revalidatePath } from "next/cache";
import { execute } from "@/lib/commands";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { forgetAgentStatus } from "./gate";
import { setAgentStatusCommand, setTeamStatusCommand } from "./status";
import { killSwitchFormSchema } from "./status-schemas";

const text = (formData: FormData, name: string) => {
  const v = formData.get(name);
  return typeof v === "string" ? v : undefined;
};

export async function setStatusAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("agents:control");
    const parsed = killSwitchFormSchema.safeParse({
      target: text(formData, "target"),
      name: text(formData, "name"),
      status: text(formData, "status"),
      reason: text(formData, "reason") ?? "",
      acknowledgeTrip: text(formData, "acknowledgeTrip"),
    });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const { target, name, status, reason } = parsed.data;
    const verb = status === "PAUSED" ? "Paused" : "Resumed";
    if (target === "team") {
      const result = await execute(setTeamStatusCommand, actorOf(me), { team: name, status, reason });
      for (const agent of result.changed) forgetAgentStatus(agent);
      revalidatePath("/", "layout");
      const skipped = result.skippedTripped.length ? ` Left tripped (resume each after reading why): ${result.skippedTripped.join(", ")}.` : "";
      if (result.changed.length === 0) return { status: "success", message: `Nothing to change in team ${name}.${skipped}` };
      return { status: "success", message: `${verb} ${result.changed.length} agent${result.changed.length === 1 ? "" : "s"} of team ${name}: ${result.changed.join(", ")}.${skipped}` };
    }
    const result = await execute(setAgentStatusCommand, actorOf(me), { agent: name, status, reason, acknowledgeTrip: parsed.data.acknowledgeTrip === "on" });
    forgetAgentStatus(name);
    revalidatePath("/", "layout");
    if (!result.changed) return { status: "success", message: `${name} was already ${result.status.toLowerCase()}.` };
    return { status: "success", message: `${verb} ${name}.` };
  } catch (error) {
    return actionError(error, "setAgentStatus");
  }
}
