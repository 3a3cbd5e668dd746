/**
 * The long-poll of `GET /api/v1/escalations/{id}?waitSeconds=N`: answers as
 * soon as the escalation is decided (or cancelled, or expired), woken through
 * the notification hub — from any app instance, since the deciding
 * transaction's NOTIFY reaches every instance's LISTEN connection — never by
 * polling the table, and holding no pooled connection while it waits.
 *
 * No lost wake-up: LISTEN is in place first (`ready`), the waiter is armed
 * before the state is read, and the state is re-read after every wake, a
 * reconnect (a NOTIFY sent while disconnected is lost) or the timeout. A wake
 * for something that does not close it (a claim, the first of two approvals)
 * waits again for the time left. If the hub cannot LISTEN at all, the current
 * state is answered at once: the agent polls again, nothing fails open.
 */
import "server-only";
import { readQuery } from "@/lib/db";
import { ready, waitFor } from "@/lib/db/notifications";
import { AppError } from "@/lib/errors";
import { ESCALATIONS_CHANNEL } from "./channel";
import { escalationJson, type EscalationJsonRow } from "./json";
import type { EscalationJson } from "./schemas";

export interface WaitOutcome {
  escalation: EscalationJson;
  /** How the wait ended: already closed, woken by a decision, or the time ran out. */
  waited: "none" | "decided" | "timeout" | "aborted";
}

/**
 * The escalation with its decisions in one plain-pg statement: what every
 * poll and every wake reads, so it is the cheapest read there is (Prisma's
 * relation query is two statements and ~3× the CPU).
 */
const READ_ONE = `
  SELECT e."id", e."status"::text AS "status", e."agentName", e."tool", e."traceId", e."spanId", e."reason", e."confidence", e."risk",
         e."policyName", e."policyVersion", e."matchReasons", e."requiredApprovals",
         (e."slaDueAt" AT TIME ZONE 'UTC') AS "slaDueAt", (e."expiresAt" AT TIME ZONE 'UTC') AS "expiresAt",
         (e."createdAt" AT TIME ZONE 'UTC') AS "createdAt", (e."decidedAt" AT TIME ZONE 'UTC') AS "decidedAt",
         e."arguments", e."argumentsHash", e."approvedArguments", e."approvedArgumentsHash", e."closedReason", e."executedDifferently",
         COALESCE((SELECT json_agg(json_build_object('verdict', d."verdict", 'comment', d."comment", 'decidedByEmail', d."decidedByEmail",
                                                   'decidedAt', to_char(d."decidedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'arguments', d."arguments",
                                                   'argumentsHash', d."argumentsHash") ORDER BY d."decidedAt", d."id")
                   FROM "EscalationDecision" d WHERE d."escalationId" = e."id"), '[]'::json) AS "decisions"
  FROM "Escalation" e WHERE e."id" = $1`;

type ReadRow = Omit<EscalationJsonRow, "decisions"> & { decisions: (Omit<EscalationJsonRow["decisions"][number], "decidedAt"> & { decidedAt: string })[] };

async function read(id: string): Promise<EscalationJson> {
  const [row] = await readQuery<ReadRow>(READ_ONE, [id]);
  if (!row) throw new AppError("not_found:escalation", "There is no such escalation.");
  return escalationJson({ ...row, decisions: row.decisions.map((d) => ({ ...d, decidedAt: new Date(d.decidedAt) })) } as EscalationJsonRow);
}

export async function waitForDecision(id: string, waitSeconds: number, signal?: AbortSignal): Promise<WaitOutcome> {
  if (waitSeconds <= 0) return { escalation: await read(id), waited: "none" };
  const deadline = Date.now() + waitSeconds * 1000;
  const listening = await ready(ESCALATIONS_CHANNEL).then(
    () => true,
    () => false,
  );
  if (!listening) return { escalation: await read(id), waited: "none" };
  let first = true;
  for (;;) {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const woken = waitFor(ESCALATIONS_CHANNEL, id, { timeoutMs: Math.max(0, deadline - Date.now()), signal: stop.signal });
      const escalation = await read(id);
      if (escalation.status !== "pending") {
        stop.abort();
        return { escalation, waited: first ? "none" : "decided" };
      }
      first = false;
      const result = await woken;
      if (result.reason === "timeout" || result.reason === "aborted" || Date.now() >= deadline) {
        const last = await read(id);
        return { escalation: last, waited: last.status !== "pending" ? "decided" : result.reason === "aborted" ? "aborted" : "timeout" };
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
