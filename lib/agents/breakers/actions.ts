"use server";
/**
 * The agent page's breaker actions: save (create or edit), enable or disable,
 * switch mode, delete, and replay the last 30 days (saved or draft). Each
 * checks `agents:control` itself, validates, and goes through the commands,
 * which re-check the breaker (it belongs to the agent named) and audit.
 */
import { revalidatePath } from "next/cache";
import { execute } from "@/lib/commands";
import { AppError } from "@/lib/errors";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { createBreakerCommand, deleteBreakerCommand, updateBreakerCommand } from "./commands";
import { agentByName } from "./queries";
import { replayBreaker, type ReplayResult } from "./replay";
import { breakerFormInput, breakerIdSchema, parseSettings, ruleOf } from "./schemas";

const pathOf = (agent: string) => `/agents/${encodeURIComponent(agent)}`;

function field(data: FormData, key: string): string {
  const value = data.get(key);
  return typeof value === "string" ? value : "";
}

function agentNameOf(data: FormData): string {
  const agent = field(data, "agent");
  if (!agent || agent.length > 200) throw new AppError("bad_request:agent_name", "Unknown agent.");
  return agent;
}

type SaveState = ActionState<{ breakerId: string }>;

export async function saveBreakerAction(_prev: SaveState, formData: FormData): Promise<SaveState> {
  try {
    const me = await requireScope("agents:control");
    const { breakerId, settings } = breakerFormInput(formData);
    const agent = agentNameOf(formData);
    const parsed = parseSettings(settings);
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    let id: string;
    if (breakerId) {
      if (!breakerIdSchema.safeParse(breakerId).success) return { status: "error", message: "Unknown breaker." };
      id = (await execute(updateBreakerCommand, actorOf(me), { agent, breakerId, changes: parsed.data })).id;
    } else {
      id = (await execute(createBreakerCommand, actorOf(me), { agent, settings: parsed.data })).id;
    }
    revalidatePath(pathOf(agent));
    return { status: "success", message: breakerId ? `Saved ${parsed.data.name}.` : `Added ${parsed.data.name}.`, data: { breakerId: id } };
  } catch (error) {
    return actionError(error, "saveBreaker");
  }
}

/** One setting of one breaker: `enabled` (on/off) or `mode` (OBSERVE/ENFORCE), from the row's buttons. */
export async function setBreakerAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("agents:control");
    const agent = agentNameOf(formData);
    const breakerId = field(formData, "breakerId");
    const enabled = field(formData, "enabled");
    const mode = field(formData, "mode");
    const changes = enabled === "on" || enabled === "off" ? { enabled: enabled === "on" } : mode === "OBSERVE" || mode === "ENFORCE" ? { mode } : null;
    if (!changes || !breakerIdSchema.safeParse(breakerId).success) return { status: "error", message: "Unknown breaker or setting." };
    const row = await execute(updateBreakerCommand, actorOf(me), { agent, breakerId, changes });
    revalidatePath(pathOf(agent));
    const what = "enabled" in changes ? (changes.enabled ? "enabled" : "disabled") : changes.mode === "ENFORCE" ? "now enforcing: it trips the agent" : "now observing: it only records and notifies";
    return { status: "success", message: `${row.name} ${what}.` };
  } catch (error) {
    return actionError(error, "setBreaker");
  }
}

export async function deleteBreakerAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("agents:control");
    const agent = agentNameOf(formData);
    const breakerId = field(formData, "breakerId");
    if (!breakerIdSchema.safeParse(breakerId).success) return { status: "error", message: "Unknown breaker." };
    const gone = await execute(deleteBreakerCommand, actorOf(me), { agent, breakerId });
    revalidatePath(pathOf(agent));
    return { status: "success", message: `Deleted ${gone.name}.` };
  } catch (error) {
    return actionError(error, "deleteBreaker");
  }
}

type ReplayState = ActionState<ReplayResult>;

/** Replays what the form holds (a draft, or a saved breaker being edited): nothing is saved. */
export async function replayBreakerAction(_prev: ReplayState, formData: FormData): Promise<ReplayState> {
  try {
    await requireScope("agents:control");
    const { settings } = breakerFormInput(formData);
    const agentName = agentNameOf(formData);
    // A name is not needed to replay.
    const parsed = parseSettings({ ...settings, name: String(settings.name ?? "").trim() || "replay" });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const agent = await agentByName(agentName);
    if (!agent) return { status: "error", message: `There is no agent named ${agentName}.` };
    const rule = ruleOf(parsed.data.condition, parsed.data.params)!;
    const result = await replayBreaker({ agentId: agent.id, rule, coolDownMinutes: parsed.data.coolDownMinutes });
    return { status: "success", message: result.summary, data: result };
  } catch (error) {
    return actionError(error, "replayBreaker");
  }
}
