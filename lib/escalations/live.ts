/**
 * The live queue's event stream: server-sent events from the notification
 * hub, one per change to any escalation, and `resync` after the hub
 * reconnected (a notification may have been lost meanwhile). Events say "look
 * again"; the browser re-reads the queue (never trusts an event's content).
 */
import "server-only";
import { ready, subscribe } from "@/lib/db/notifications";
import { sseResponse } from "@/lib/db/sse";
import { ESCALATIONS_CHANNEL } from "./channel";

export function escalationEventStream(request: Request): Response {
  return sseResponse(request, {
    retryMs: 3_000,
    subscribe: (send) =>
      subscribe(ESCALATIONS_CHANNEL, (event) => send(event.reason === "notified" ? { event: "escalation", data: event.payload } : { event: "resync", data: null })),
    init: async () => {
      await ready(ESCALATIONS_CHANNEL);
      return [{ event: "ready", data: null }];
    },
  });
}
