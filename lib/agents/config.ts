/**
 * Agent configurations under change control. A configuration version is
 * immutable and numbered per agent; proposing one creates the version and a
 * change that moves the agent's current-configuration pointer to it. The
 * applier of `AGENT_CONFIG` changes moves that pointer (and the agent's
 * autonomy level with it); a rollback moves it back. Every agent's
 * configuration is protected by default (`Agent.configProtected`).
 */
import type { Actor } from "@/lib/audit";
import { proposeChange, CHANGE_TX_OPTIONS, type ProposeResult } from "@/lib/changes/commands";
import { registerApplier, type ChangeState } from "@/lib/changes/registry";
import { defineCommand, execute } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { ProposeAgentConfigInput } from "./config-schema";

export const AGENT_CONFIG_TARGET = "agent_config";

async function lockAgent(tx: Tx, name: string): Promise<{ id: string; configProtected: boolean; currentVersion: number | null }> {
  const rows = await tx.$queryRaw<{ id: string; configProtected: boolean; version: number | null }[]>`
    SELECT a."id", a."configProtected", c."version"
    FROM "Agent" a LEFT JOIN "AgentConfigVersion" c ON c."id" = a."currentConfigId"
    WHERE a."name" = ${name}
    FOR UPDATE OF a`;
  const row = rows[0];
  if (!row) throw new AppError("not_found:agent", `There is no agent named “${name}”.`);
  return { id: row.id, configProtected: row.configProtected, currentVersion: row.version };
}

function versionOf(state: ChangeState): number | null {
  if (state === null) return null;
  const v = state.version;
  if (typeof v !== "number" || !Number.isInteger(v)) throw new AppError("internal:change_state", "A stored agent configuration state is malformed.");
  return v;
}

export const describeConfigState = (state: ChangeState) => {
  const v = versionOf(state);
  return v === null ? "no configuration" : `configuration v${v}`;
};

export const agentConfigApplier = registerApplier({
  kind: "AGENT_CONFIG",
  targetType: AGENT_CONFIG_TARGET,
  describeTarget: (agent) => agent,
  async lockState(tx, agent) {
    const { currentVersion } = await lockAgent(tx, agent);
    return currentVersion === null ? null : { version: currentVersion };
  },
  async write(tx, agent, state) {
    const { id } = await lockAgent(tx, agent);
    const version = versionOf(state);
    if (version === null) {
      await tx.agent.update({ where: { id }, data: { currentConfigId: null } });
      return;
    }
    const row = await tx.agentConfigVersion.findUnique({ where: { agentId_version: { agentId: id, version } }, select: { id: true, autonomyLevel: true } });
    if (!row) throw new AppError("not_found:agent_config", `The agent “${agent}” has no configuration version ${version}.`);
    await tx.agent.update({ where: { id }, data: { currentConfigId: row.id, ...(row.autonomyLevel !== null ? { autonomyLevel: row.autonomyLevel } : {}) } });
  },
  async isProtected(tx, agent) {
    return (await lockAgent(tx, agent)).configProtected;
  },
  summarize(before, after) {
    return `${describeConfigState(before)} → ${describeConfigState(after)}`;
  },
});

/**
 * Proposes a new configuration version: the version is created (immutable,
 * next number) and a change moves the agent to it, applied at once only when
 * the agent's configuration is not protected.
 */
export const proposeAgentConfigCommand = defineCommand("change.propose", { user: "agents:write", key: "admin" }, async (tx, actor, input: ProposeAgentConfigInput) => {
  const agent = await lockAgent(tx, input.agent);
  const last = await tx.agentConfigVersion.aggregate({ where: { agentId: agent.id }, _max: { version: true } });
  const version = (last._max.version ?? 0) + 1;
  const { config } = input;
  await tx.agentConfigVersion.create({
    data: {
      agentId: agent.id,
      version,
      model: config.model,
      promptName: config.promptName,
      promptLabel: config.promptLabel,
      allowedTools: config.allowedTools,
      authorityLimits: config.authorityLimits,
      autonomyLevel: config.autonomyLevel,
      message: input.reason,
      createdById: actor.type === "USER" ? actor.id : null,
      createdByName: actor.label,
    },
  });
  const proposed = await proposeChange(tx, actor, agentConfigApplier, { targetId: input.agent, after: { version }, reason: input.reason });
  return { ...proposed, audit: { ...proposed.audit, metadata: { ...(proposed.audit.metadata as object), config, version } } };
});

export const proposeAgentConfig = (actor: Actor, input: ProposeAgentConfigInput): Promise<ProposeResult> =>
  execute(proposeAgentConfigCommand, actor, input, CHANGE_TX_OPTIONS);

/** Whether an agent's new configurations need an approved change (admins only: lifting protection is where four eyes would leak). */
export const setConfigProtectedCommand = defineCommand("agent.update", { user: "admin" }, async (tx, _actor, input: { agent: string; configProtected: boolean }) => {
  const agent = await lockAgent(tx, input.agent);
  if (agent.configProtected === input.configProtected) return { result: agent.configProtected, audit: null };
  await tx.agent.update({ where: { id: agent.id }, data: { configProtected: input.configProtected } });
  return {
    result: input.configProtected,
    audit: { targetType: "agent", targetId: agent.id, before: { configProtected: agent.configProtected }, after: { configProtected: input.configProtected }, metadata: { agent: input.agent } },
  };
});

export const setConfigProtected = (actor: Actor, agent: string, configProtected: boolean) => execute(setConfigProtectedCommand, actor, { agent, configProtected });
