/**
 * Editing an agent's runbook: the audited command behind the runbook card's
 * "Edit" form. People with `agents:write` (ops leads, admins) may; API keys
 * may not. Each edit writes `Agent.runbook` (the body shown) and an immutable
 * RunbookVersion numbered 1, 2, 3… for that agent.
 *
 * Numbering under concurrency: the agent row is locked `FOR UPDATE` before the
 * last number is read, so two editors of one agent take turns and get
 * distinct, consecutive versions; the unique (targetType, targetId, version)
 * index backs this up. The editor sends the version it started from: a save on
 * top of a newer version is refused (`conflict:runbook`) instead of silently
 * overwriting the other person's text.
 *
 * A runbook written before versioning (Agent.runbook with no version yet) is
 * kept as version 1 on the first edit, so history never loses a text.
 * Policies' runbooks are not edited here: they are part of a policy's state
 * and change through change control (see README.md).
 */
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { LEGACY_RUNBOOK_MESSAGE, type UpdateAgentRunbookInput } from "./schemas";

export interface UpdatedRunbook {
  agentId: string;
  agentName: string;
  /** The current version (unchanged when nothing changed). */
  version: number;
  changed: boolean;
}

export const updateAgentRunbookCommand = defineCommand("runbook.update", { user: "agents:write" }, async (tx, actor, input: UpdateAgentRunbookInput) => {
  const [agent] = await tx.$queryRaw<{ id: string; name: string; runbook: string | null }[]>`
    SELECT "id", "name", "runbook" FROM "Agent" WHERE "id" = ${input.agentId} FOR UPDATE`;
  if (!agent) throw new AppError("not_found:agent", "There is no such agent (it may have been removed).");
  const last = await tx.runbookVersion.findFirst({
    where: { targetType: "AGENT", targetId: agent.id },
    orderBy: { version: "desc" },
    select: { version: true, createdByName: true },
  });
  const current = last?.version ?? 0;
  if (input.baseVersion !== undefined && input.baseVersion !== current) {
    throw new AppError(
      "conflict:runbook",
      `${last?.createdByName ?? "Someone"} saved version ${current} of this runbook while you were editing. Your text is still in the form: copy it, reload the page and apply your edit to the new version.`,
      { version: current },
    );
  }
  const before = agent.runbook ?? "";
  if (before === input.body) return { result: { agentId: agent.id, agentName: agent.name, version: current, changed: false }, audit: null };

  let version = current + 1;
  if (!last && before !== "") {
    await tx.runbookVersion.create({ data: { targetType: "AGENT", targetId: agent.id, version, body: before, message: LEGACY_RUNBOOK_MESSAGE } });
    version += 1;
  }
  let created;
  try {
    created = await tx.runbookVersion.create({
      data: {
        targetType: "AGENT",
        targetId: agent.id,
        version,
        body: input.body,
        message: input.message,
        createdById: actor.type === "USER" ? actor.id : null,
        createdByName: actor.label,
      },
      select: { id: true },
    });
  } catch (error) {
    // Only reachable if something wrote a version without the row lock.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("conflict:runbook", "Someone else saved this runbook at the same moment; reload the page and try again.");
    }
    throw error;
  }
  await tx.agent.update({ where: { id: agent.id }, data: { runbook: input.body === "" ? null : input.body } });
  return {
    result: { agentId: agent.id, agentName: agent.name, version, changed: true },
    audit: {
      targetType: "agent",
      targetId: agent.id,
      before: { version: current, chars: before.length },
      after: { version, chars: input.body.length },
      metadata: { agent: agent.name, runbookVersionId: created.id, message: input.message },
    },
  };
});

/** Editors of one agent wait on its row lock, so allow more than Prisma's default 2 s to get a connection. */
const OPTIONS = { maxWait: 10_000, timeout: 15_000 };

export const updateAgentRunbook = (actor: Actor, input: UpdateAgentRunbookInput): Promise<UpdatedRunbook> => execute(updateAgentRunbookCommand, actor, input, OPTIONS);
