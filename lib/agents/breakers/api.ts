/**
 * What the breaker routes share (app/api/v1/agents/{name}/breakers/**): the
 * agent a key may act on, the body of a replay, and the answers. A key given
 * to one agent reads that agent's breakers only and changes none (the
 * commands refuse it too).
 */
import "server-only";
import type { ApiKeyCaller } from "@/lib/api-keys/authenticate";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { agentNameSchema } from "../status-schemas";
import { breakerJson, getBreaker, type BreakerJson } from "./queries";
import { replayBreaker, type ReplayResult } from "./replay";
import { breakerIdSchema, DEFAULT_COOL_DOWN_MINUTES, fromApiCondition, ruleOf, type BreakerReplayBody, type BreakerRule } from "./schemas";

export function parseAgentName(raw: string): string {
  const name = agentNameSchema.safeParse(raw);
  if (!name.success) throw new AppError("bad_request:agent_name", name.error.issues[0]?.message ?? "Malformed agent name.");
  return name.data;
}

export function parseBreakerId(raw: string): string {
  if (!breakerIdSchema.safeParse(raw).success) throw new AppError("bad_request:breaker_id", "That is not a breaker id.");
  return raw;
}

/** The agent named in the path, as this key may see it (`write`: a key given to an agent changes no breaker). */
export async function agentForKey(key: ApiKeyCaller, rawName: string, write: boolean): Promise<{ id: string; name: string }> {
  const name = parseAgentName(rawName);
  if (key.agent && (write || key.agent !== name)) {
    throw new AppError("forbidden:agent_key", write ? "A key given to an agent cannot change breakers." : `This key belongs to agent ${key.agent}; it cannot read ${name}.`);
  }
  const agent = await db.agent.findUnique({ where: { name }, select: { id: true, name: true } });
  if (!agent) throw new AppError("not_found:agent", `There is no agent named ${name}.`);
  return agent;
}

export async function breakerAnswer(agentId: string, id: string): Promise<BreakerJson> {
  const view = await getBreaker(agentId, id);
  if (!view) throw new AppError("not_found:breaker", "There is no such breaker.");
  return breakerJson(view);
}

/** A replay of a saved breaker of this agent, or of a draft. */
export async function replayFromBody(agentId: string, body: BreakerReplayBody): Promise<ReplayResult> {
  let rule: BreakerRule | null;
  let coolDownMinutes: number;
  if ("breakerId" in body) {
    const saved = await db.breaker.findFirst({ where: { id: body.breakerId, agentId }, select: { condition: true, params: true, coolDownMinutes: true } });
    if (!saved) throw new AppError("not_found:breaker", "There is no such breaker.");
    rule = ruleOf(saved.condition, saved.params);
    coolDownMinutes = saved.coolDownMinutes;
    if (!rule) throw new AppError("conflict:breaker_params", "This breaker's parameters do not fit its condition; fix them first.");
  } else {
    rule = ruleOf(fromApiCondition(body.condition), body.params)!;
    coolDownMinutes = body.coolDownMinutes ?? DEFAULT_COOL_DOWN_MINUTES;
  }
  return replayBreaker({ agentId, rule, coolDownMinutes });
}
