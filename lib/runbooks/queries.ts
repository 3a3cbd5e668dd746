/**
 * Reads of runbooks for the runbook card and the pages that show one: the
 * current body of an agent's or a policy's runbook with its version and who
 * changed it last, its history, and the runbooks that matter for an
 * escalation (its policy's and its agent's) or for an agent by name (the run
 * timeline, the tripped-agent banner).
 *
 * Agents' runbooks are versioned as RunbookVersion rows (commands.ts).
 * Policies' runbooks are part of the policy's state and so are versioned as
 * PolicyVersion rows by change control: their history is read from there (the
 * policy versions in which the runbook changed, with the change's reason as
 * the message), never copied. Plain JSON out (ISO times), never rows.
 */
import "server-only";
import { db } from "@/lib/db";
import { ROW_ID } from "@/lib/ids";
import { LEGACY_RUNBOOK_MESSAGE } from "./schemas";

export type RunbookTarget = "AGENT" | "POLICY";

export interface RunbookView {
  target: RunbookTarget;
  targetId: string;
  /** The markdown shown; null: none yet. */
  body: string | null;
  /** The version shown (an agent's runbook version, a policy's version); 0: never versioned. */
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  message: string | null;
}

export interface RunbookVersionView {
  version: number;
  body: string;
  message: string | null;
  createdBy: string | null;
  createdAt: string;
}

/** How many versions the history shows; older ones are counted. */
export const HISTORY_LIMIT = 20;

export interface RunbookHistory {
  versions: RunbookVersionView[];
  /** Versions older than those listed. */
  older: number;
}

/** A policy's versions in which its runbook changed, oldest first. */
async function policyRunbookVersions(policyId: string): Promise<RunbookVersionView[]> {
  const rows = await db.policyVersion.findMany({
    where: { policyId },
    orderBy: { version: "asc" },
    select: { version: true, state: true, changeId: true, createdByName: true, createdAt: true },
  });
  const changeIds = rows.map((r) => r.changeId).filter((id): id is string => id !== null);
  const reasons = new Map(
    (changeIds.length ? await db.change.findMany({ where: { id: { in: changeIds } }, select: { id: true, reason: true } }) : []).map((c) => [c.id, c.reason]),
  );
  const out: RunbookVersionView[] = [];
  let previous: string | null = null;
  for (const row of rows) {
    // A removal (state null) says nothing about the runbook; a later re-creation compares with what was before.
    if (row.state === null || typeof row.state !== "object" || Array.isArray(row.state)) continue;
    const raw = (row.state as Record<string, unknown>).runbook;
    const runbook = typeof raw === "string" && raw !== "" ? raw : null;
    if (runbook === previous) continue;
    previous = runbook;
    out.push({
      version: row.version,
      body: runbook ?? "",
      message: (row.changeId && reasons.get(row.changeId)) || null,
      createdBy: row.createdByName,
      createdAt: row.createdAt.toISOString(),
    });
  }
  return out;
}

function agentVersionView(row: { version: number; body: string; message: string | null; createdByName: string | null; createdAt: Date }): RunbookVersionView {
  return { version: row.version, body: row.body, message: row.message, createdBy: row.createdByName, createdAt: row.createdAt.toISOString() };
}

/** The runbook of an agent or a policy as shown now; null: no such agent or policy. */
export async function runbookOf(target: RunbookTarget, targetId: string): Promise<RunbookView | null> {
  if (!ROW_ID.test(targetId)) return null;
  if (target === "AGENT") {
    const [agent, last] = await Promise.all([
      db.agent.findUnique({ where: { id: targetId }, select: { runbook: true } }),
      db.runbookVersion.findFirst({ where: { targetType: "AGENT", targetId }, orderBy: { version: "desc" } }),
    ]);
    if (!agent) return null;
    const body = agent.runbook && agent.runbook.trim() !== "" ? agent.runbook : null;
    if (!last) return { target, targetId, body, version: 0, updatedAt: null, updatedBy: null, message: body ? LEGACY_RUNBOOK_MESSAGE : null };
    return { target, targetId, body, version: last.version, updatedAt: last.createdAt.toISOString(), updatedBy: last.createdByName, message: last.message };
  }
  const policy = await db.policy.findUnique({ where: { id: targetId }, select: { runbook: true, version: true } });
  if (!policy) return null;
  const body = policy.runbook && policy.runbook.trim() !== "" ? policy.runbook : null;
  const versions = await policyRunbookVersions(targetId);
  const last = versions[versions.length - 1];
  // The stored policy is the truth; its versions explain it when they agree (a policy written outside change control has none).
  if (!last || (last.body || null) !== body) return { target, targetId, body, version: policy.version, updatedAt: null, updatedBy: null, message: null };
  return { target, targetId, body, version: last.version, updatedAt: last.createdAt, updatedBy: last.createdBy, message: last.message };
}

/** The versions of a runbook, newest first (at most HISTORY_LIMIT, with the number of older ones). */
export async function runbookHistory(target: RunbookTarget, targetId: string): Promise<RunbookHistory> {
  if (!ROW_ID.test(targetId)) return { versions: [], older: 0 };
  if (target === "AGENT") {
    const [rows, total] = await Promise.all([
      db.runbookVersion.findMany({ where: { targetType: "AGENT", targetId }, orderBy: { version: "desc" }, take: HISTORY_LIMIT }),
      db.runbookVersion.count({ where: { targetType: "AGENT", targetId } }),
    ]);
    return { versions: rows.map(agentVersionView), older: Math.max(0, total - rows.length) };
  }
  const all = (await policyRunbookVersions(targetId)).reverse();
  return { versions: all.slice(0, HISTORY_LIMIT), older: Math.max(0, all.length - HISTORY_LIMIT) };
}

export interface AgentRunbook {
  agent: { id: string; name: string; status: "ACTIVE" | "PAUSED" | "TRIPPED"; statusReason: string | null };
  runbook: RunbookView;
}

export interface PolicyRunbook {
  policy: { id: string; name: string; removed: boolean };
  runbook: RunbookView;
}

/** The runbook of the agent named `name` (the run timeline, the tripped-agent banner); null: no such agent. */
export async function runbookForAgentName(name: string): Promise<AgentRunbook | null> {
  if (typeof name !== "string" || name.length === 0 || name.length > 200) return null;
  const agent = await db.agent.findUnique({ where: { name }, select: { id: true, name: true, status: true, statusReason: true } });
  if (!agent) return null;
  const runbook = await runbookOf("AGENT", agent.id);
  return runbook ? { agent, runbook } : null;
}

/** What the person deciding an escalation should read: its policy's runbook and its agent's (null: the escalation has no policy, or no agent on record). */
export async function runbookForEscalation(escalationId: string): Promise<{ policy: PolicyRunbook | null; agent: AgentRunbook | null } | null> {
  if (!ROW_ID.test(escalationId)) return null;
  const escalation = await db.escalation.findUnique({
    where: { id: escalationId },
    select: {
      agent: { select: { id: true, name: true, status: true, statusReason: true } },
      policy: { select: { id: true, name: true, removedAt: true } },
    },
  });
  if (!escalation) return null;
  const [policyRunbook, agentRunbook] = await Promise.all([
    escalation.policy ? runbookOf("POLICY", escalation.policy.id) : null,
    escalation.agent ? runbookOf("AGENT", escalation.agent.id) : null,
  ]);
  const agent = escalation.agent;
  return {
    policy: escalation.policy && policyRunbook ? { policy: { id: escalation.policy.id, name: escalation.policy.name, removed: escalation.policy.removedAt !== null }, runbook: policyRunbook } : null,
    agent: agent && agentRunbook ? { agent, runbook: agentRunbook } : null,
  };
}
