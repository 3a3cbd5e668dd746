/**
 * The gate of every agent-facing call (clearance requests, budget checks and
 * reservations, prompt fetches that name the agent): while the agent is
 * paused or tripped the call is refused with one shape,
 * `423 { error: { code: "agent_paused" | "agent_tripped", message } }`.
 *
 * Statuses are cached per instance for the hot paths, like API keys
 * (lib/api-keys/cache.ts): every status change notifies `agent_status` in its
 * transaction and every instance drops that agent's entry (all of them on a
 * reconnect, when notifications may have been missed); the cache is used only
 * while this instance listens, and entries expire after a few seconds anyway.
 * An agent that does not exist yet passes the gate: the caller decides (404,
 * or a prompt fetched before the agent's first span).
 */
import type { ApiKeyCaller } from "@/lib/api-keys/authenticate";
import { readQuery } from "@/lib/db";
import { ready, subscribe } from "@/lib/db/notifications";
import { AppError } from "@/lib/errors";
import { AGENT_STATUS_CHANNEL, STATUS_SELECT, type AgentStatusRow } from "./status";

const MAX_AGE_MS = 5_000;
const MAX_ENTRIES = 20_000;

/** Refused because the agent is not active: HTTP 423 with the contract's bare code. */
export class AgentNotActiveError extends AppError {
  constructor(
    readonly agent: string,
    readonly agentStatus: "PAUSED" | "TRIPPED",
    message: string,
  ) {
    super(agentStatus === "PAUSED" ? "locked:agent_paused" : "locked:agent_tripped", message);
  }

  override get publicCode(): string {
    return this.agentStatus === "PAUSED" ? "agent_paused" : "agent_tripped";
  }
}

const entries = new Map<string, { row: AgentStatusRow | null; at: number }>();
let listening: "no" | "arming" | "yes" = "no";

function arm(): void {
  if (listening !== "no") return;
  listening = "arming";
  const unsubscribe = subscribe(AGENT_STATUS_CHANNEL, (event) => {
    if (event.reason === "notified" && event.payload && typeof event.payload === "object" && typeof (event.payload as { key?: unknown }).key === "string") {
      entries.delete((event.payload as { key: string }).key);
    } else {
      entries.clear();
    }
  });
  ready(AGENT_STATUS_CHANNEL).then(
    () => {
      listening = "yes";
    },
    () => {
      unsubscribe();
      entries.clear();
      listening = "no";
    },
  );
}

/** Drops this instance's entry at once (the instance that made the change does not wait for its own notification). */
export function forgetAgentStatus(name: string): void {
  entries.delete(name);
}

/** The agent's status row (cached), or null for an agent not seen yet. */
export async function agentStatusRow(name: string): Promise<AgentStatusRow | null> {
  arm();
  const hit = entries.get(name);
  if (hit && listening === "yes" && Date.now() - hit.at <= MAX_AGE_MS) return hit.row;
  const [row] = await readQuery<AgentStatusRow>(`${STATUS_SELECT} WHERE a."name" = $1`, [name]);
  if (listening === "yes") {
    if (entries.size >= MAX_ENTRIES) entries.clear();
    entries.set(name, { row: row ?? null, at: Date.now() });
  }
  return row ?? null;
}

export function notActiveMessage(row: AgentStatusRow): string {
  const by = row.statusSetBy ? ` by ${row.statusSetBy}` : "";
  const since = row.statusChangedAt ? ` since ${row.statusChangedAt.toISOString()}` : "";
  const why = row.statusReason ? `: ${row.statusReason}` : "";
  const what = row.status === "TRIPPED" ? `tripped${row.breakerName ? ` (breaker ${row.breakerName})` : ""}` : "paused";
  return `Agent ${row.name} is ${what}${by}${since}${why}. Nothing it asks is allowed until a person resumes it.`;
}

/** Throws the 423 when the agent is paused or tripped. */
export async function assertAgentActive(name: string): Promise<void> {
  const row = await agentStatusRow(name);
  if (row && row.status !== "ACTIVE") throw new AgentNotActiveError(row.name, row.status, notActiveMessage(row));
}

/**
 * The agent a call is for: the one it names, or the key's own agent. A key
 * given to an agent acts for that agent only (403 for another); then the gate.
 */
export async function gateAgentCall(key: ApiKeyCaller, named: string | null | undefined): Promise<string | null> {
  if (key.agent && named && named !== key.agent) {
    throw new AppError("forbidden:agent_key", `This key belongs to agent ${key.agent}; it cannot act for ${named}.`);
  }
  const agent = named ?? key.agent ?? null;
  if (agent) await assertAgentActive(agent);
  return agent;
}
