// One endpoint's latest deliveries: status, attempts, HTTP status, error, next attempt.
import { Badge } from "@/components/ui/badge";
import { Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import type { WebhookDeliveryStatus } from "@/lib/generated/prisma/enums";

export interface DeliveryItem {
  id: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  maxAttempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  /** Only while PENDING. */
  nextAttemptAt: string | null;
}

function StatusBadge({ delivery }: { delivery: DeliveryItem }) {
  if (delivery.status === "DELIVERED") return <Badge tone="green">delivered</Badge>;
  if (delivery.status === "FAILED") return <Badge tone="red">failed</Badge>;
  return <Badge tone="amber">{delivery.attempts > 0 ? "retrying" : "pending"}</Badge>;
}

export function DeliveryLog({ endpointName, deliveries, more }: { endpointName: string; deliveries: DeliveryItem[]; more: boolean }) {
  if (deliveries.length === 0) {
    return (
      <p className="rounded-md border border-dashed border-slate-300 px-4 py-3 text-sm text-slate-600">
        No deliveries yet. Events this endpoint subscribes to appear here as they happen; “Send test event” queues one now.
      </p>
    );
  }
  return (
    <>
      {/* The log is wider than the card on small screens: a focusable region, so keyboard users can scroll it too. */}
      <div role="region" aria-label={`Delivery log of ${endpointName}`} tabIndex={0} className="overflow-x-auto rounded-md focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500">
        <table aria-label={`Deliveries to ${endpointName}`} className="min-w-full divide-y divide-slate-200 text-sm">
          <thead className="bg-slate-50">
            <tr>
              <Th>Event</Th>
              <Th>Status</Th>
              <Th>Attempts</Th>
              <Th>HTTP</Th>
              <Th>Last error</Th>
              <Th>Queued</Th>
              <Th>Last attempt</Th>
              <Th>Next attempt</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {deliveries.map((d) => (
              <tr key={d.id} data-testid={`webhook-delivery-${d.eventType}`}>
                <Td>
                  <code className="text-xs font-semibold">{d.eventType}</code>
                  <div className="font-mono text-xs text-slate-500">{d.eventId}</div>
                </Td>
                <Td>
                  <StatusBadge delivery={d} />
                </Td>
                <Td className="text-xs">
                  {d.attempts} of {d.maxAttempts}
                </Td>
                <Td className="text-xs">{d.responseStatus ?? <span className="text-slate-400">—</span>}</Td>
                <Td className="max-w-xs break-words text-xs">{d.lastError ?? <span className="text-slate-400">—</span>}</Td>
                <Td className="text-xs">
                  <Time value={d.createdAt} />
                </Td>
                <Td className="text-xs">
                  <Time value={d.lastAttemptAt} />
                </Td>
                <Td className="text-xs">
                  <Time value={d.nextAttemptAt} />
                </Td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {more && <p className="mt-2 text-xs text-slate-500">Showing the latest {deliveries.length} deliveries.</p>}
    </>
  );
}
