/**
 * The notification channel of escalations: every write that changes one
 * (created, claimed, decided, expired, cancelled, chained) notifies it in its
 * transaction, with the escalation's id as the key. Waiting agents
 * (`waitFor(…, id)`) and live queues (`subscribe`) re-read on each wake.
 */
import type { Tx } from "@/lib/db";
import { notify } from "@/lib/db/notifications";

export const ESCALATIONS_CHANNEL = "escalations";

export type EscalationEvent = "created" | "claimed" | "released" | "approval" | "decided" | "cancelled" | "expired" | "overdue" | "chained" | "sla_breached" | "executed";

export function notifyEscalation(tx: Tx, id: string, event: EscalationEvent, status: string): Promise<void> {
  return notify(tx, ESCALATIONS_CHANNEL, { key: id, event, status: status.toLowerCase() });
}
