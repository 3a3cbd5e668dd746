/**
 * `GET /api/v1/agents/{name}/status`: what agents poll. An ETag over the
 * answer and `max-age=2`, so a poll that changed nothing costs a header; with
 * If-None-Match and `waitSeconds`, it waits for the next change of this agent
 * (woken through the notification hub from any instance, holding no pooled
 * connection), and answers 304 if there was none.
 */
import "server-only";
import { readQuery } from "@/lib/db";
import { ready, waitFor } from "@/lib/db/notifications";
import { etagOf, ifNoneMatchMatches } from "@/lib/api/conditional";
import { AppError } from "@/lib/errors";
import { AGENT_STATUS_CHANNEL, STATUS_SELECT, statusJson, type AgentStatusJson, type AgentStatusRow } from "./status";

export async function readAgentStatus(name: string): Promise<AgentStatusJson> {
  const [row] = await readQuery<AgentStatusRow>(`${STATUS_SELECT} WHERE a."name" = $1`, [name]);
  if (!row) throw new AppError("not_found:agent", `There is no agent named ${name}.`);
  return statusJson(row);
}

export interface StatusAnswer {
  status: AgentStatusJson;
  serialised: string;
  etag: string;
}

function answer(status: AgentStatusJson): StatusAnswer {
  const serialised = JSON.stringify(status);
  return { status, serialised, etag: etagOf(serialised) };
}

/** The current status, or, when the client holds it already (`ifNoneMatch`), the next one within `waitSeconds`. */
export async function statusWhenChanged(name: string, ifNoneMatch: string | null, waitSeconds: number, signal?: AbortSignal): Promise<StatusAnswer> {
  const current = answer(await readAgentStatus(name));
  if (waitSeconds <= 0 || !ifNoneMatchMatches(ifNoneMatch, current.etag)) return current;
  const listening = await ready(AGENT_STATUS_CHANNEL).then(
    () => true,
    () => false,
  );
  if (!listening) return current;
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // Armed before the re-read: a change committed in between still wakes it.
      const woken = waitFor(AGENT_STATUS_CHANNEL, name, { timeoutMs: Math.max(0, deadline - Date.now()), signal: stop.signal });
      const now = answer(await readAgentStatus(name));
      if (now.etag !== current.etag) {
        stop.abort();
        return now;
      }
      const result = await woken;
      if (result.reason === "timeout" || result.reason === "aborted" || Date.now() >= deadline) return answer(await readAgentStatus(name));
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
