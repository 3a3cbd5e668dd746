// Settings › Webhooks: loads endpoints and their delivery logs (server side) and hands the
// client parts plain props only: ISO strings, never rows, never a secret beyond its hint.
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { MAX_ATTEMPTS } from "@/lib/webhooks/delivery";
import { SUBSCRIBABLE_EVENT_TYPES, WEBHOOK_EVENT_LABELS } from "@/lib/webhooks/events";
import { listWebhookDeliveries, listWebhookEndpoints, type WebhookDeliveryRow, type WebhookEndpointRow } from "@/lib/webhooks/queries";
import { CreateEndpointForm } from "./webhooks/create-endpoint-form";
import { DeliveryLog, type DeliveryItem } from "./webhooks/delivery-log";
import { EndpointControls } from "./webhooks/endpoint-controls";

function toDeliveryItem(d: WebhookDeliveryRow): DeliveryItem {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    maxAttempts: MAX_ATTEMPTS,
    responseStatus: d.responseStatus,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: d.status === "PENDING" ? d.nextAttemptAt.toISOString() : null,
  };
}

function Endpoint({ endpoint, deliveries, more }: { endpoint: WebhookEndpointRow; deliveries: DeliveryItem[]; more: boolean }) {
  const headingId = `webhook-endpoint-${endpoint.id}-title`;
  return (
    <section aria-labelledby={headingId} className="space-y-3 px-5 py-4" data-testid={`webhook-endpoint-${endpoint.name}`}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <div className="flex items-center gap-2">
            <h3 id={headingId} className="text-sm font-semibold text-slate-900">
              {endpoint.name}
            </h3>
            {endpoint.enabled ? <Badge tone="green">enabled</Badge> : <Badge>disabled</Badge>}
          </div>
          <code className="block break-all text-xs text-slate-600">{endpoint.url}</code>
          <div className="flex flex-wrap items-center gap-1 text-xs text-slate-600">
            <span>Events:</span>
            {endpoint.eventTypes.length === 0 ? (
              <Badge tone="blue">all</Badge>
            ) : (
              endpoint.eventTypes.map((t) => (
                <Badge key={t}>
                  <code>{t}</code>
                </Badge>
              ))
            )}
            <span className="ml-2">
              Secret: <code data-testid="webhook-secret-hint">{endpoint.secretHint}</code>
            </span>
          </div>
        </div>
        <EndpointControls id={endpoint.id} name={endpoint.name} enabled={endpoint.enabled} headingId={headingId} />
      </div>
      <DeliveryLog endpointName={endpoint.name} deliveries={deliveries} more={more} />
    </section>
  );
}

export async function WebhooksSection() {
  const endpoints = await listWebhookEndpoints();
  const logs = await Promise.all(endpoints.map((e) => listWebhookDeliveries({ endpointId: e.id })));
  return (
    <Card data-testid="webhooks-section">
      <CardHeader
        title="Webhooks"
        description="Flightdeck POSTs signed JSON events (with Slack-ready text) to these endpoints, retrying failures with backoff for about an hour."
      />
      {endpoints.length === 0 ? (
        <p className="px-5 py-6 text-sm text-slate-600">No webhook endpoints yet. Add one below to be told about escalations, budgets and changes.</p>
      ) : (
        <div className="divide-y divide-slate-100">
          {endpoints.map((endpoint, i) => (
            <Endpoint key={endpoint.id} endpoint={endpoint} deliveries={logs[i]!.deliveries.map(toDeliveryItem)} more={logs[i]!.nextCursor !== null} />
          ))}
        </div>
      )}
      <CreateEndpointForm eventTypes={SUBSCRIBABLE_EVENT_TYPES.map((type) => ({ type, label: WEBHOOK_EVENT_LABELS[type] }))} />
    </Card>
  );
}
