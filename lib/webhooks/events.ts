/**
 * Webhook events: the catalogue of types, the envelope every receiver gets, and
 * `emitEvent`, which queues an event for its subscribed endpoints inside the
 * transaction that caused it (the outbox pattern: the event commits or rolls
 * back with the change, and only the delivery job touches the network).
 */
import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db";

/** Every event type, declared once. */
export const WEBHOOK_EVENT_TYPES = [
  "budget.threshold_crossed",
  "escalation.created",
  "escalation.deadline_approaching",
  "escalation.sla_breached",
  "escalation.decided",
  "escalation.chain_notified",
  "agent.tripped",
  "agent.paused",
  "agent.resumed",
  "breaker.would_trip",
  "prompt.label_moved",
  "change.proposed",
  "change.applied",
  "change.rejected",
  "change.rolled_back",
  "webhook.test",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One line per type, for the subscription checkboxes in Settings. */
export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "budget.threshold_crossed": "A budget crossed one of its thresholds",
  "escalation.created": "An agent's action is waiting for a human decision",
  "escalation.deadline_approaching": "A pending escalation is close to its deadline",
  "escalation.sla_breached": "A pending escalation missed its SLA",
  "escalation.decided": "An escalation was approved or rejected",
  "escalation.chain_notified": "A pending escalation stayed unclaimed: the next step of its chain is asked",
  "agent.tripped": "An agent's circuit breaker tripped",
  "agent.paused": "A person or incident tooling paused an agent",
  "agent.resumed": "A paused or tripped agent was resumed",
  "breaker.would_trip": "A breaker in observe mode would have tripped its agent",
  "prompt.label_moved": "A prompt label now points at another version",
  "change.proposed": "A change was proposed and waits for approval",
  "change.applied": "A change was applied (approved, or not protected)",
  "change.rejected": "A proposed change was rejected",
  "change.rolled_back": "An applied change was rolled back",
  "webhook.test": "A test event sent from Settings",
};

/**
 * The types an endpoint can subscribe to. `webhook.test` is sent only on
 * request, to the one endpoint being tested, whatever it subscribes to.
 */
export type SubscribableEventType = Exclude<WebhookEventType, "webhook.test">;
export const SUBSCRIBABLE_EVENT_TYPES: readonly SubscribableEventType[] = WEBHOOK_EVENT_TYPES.filter(
  (t): t is SubscribableEventType => t !== "webhook.test",
);

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === "string" && (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/** What a receiver gets, as the JSON body of a POST. */
export interface WebhookEnvelope {
  /** Stable across retries: receivers deduplicate on it (delivery is at least once). */
  id: string;
  type: WebhookEventType;
  /** ISO 8601 UTC. */
  occurredAt: string;
  data: Record<string, unknown>;
  /** Slack-compatible mrkdwn, so the URL of a Slack incoming webhook works as an endpoint as is. */
  text: string;
}

export interface EventLink {
  /** Absolute, or a console path (`/escalations/…`) resolved against AUTH_URL. */
  url: string;
  label?: string;
}

export interface EmitEventInput {
  type: WebhookEventType;
  data: Record<string, unknown>;
  /** Mrkdwn; build it with the `mrkdwn` tag so interpolated names cannot break the markup. */
  text: string;
  /** Appended to `text` as a Slack link. */
  link?: EventLink;
  /** Defaults to now; tests pin it. */
  occurredAt?: Date;
}

/** Escapes what Slack's mrkdwn treats as markup (`&`, `<`, `>`), as Slack documents it. */
export function escapeMrkdwn(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A template tag: literal parts are mrkdwn, interpolated values are escaped text. */
export function mrkdwn(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, part, i) => out + part + (i < values.length ? escapeMrkdwn(String(values[i])) : ""), "");
}

/** The link made absolute, or null when it is a path and no public base URL is configured. */
export function resolveLink(url: string, baseUrl: string | undefined): string | null {
  if (/^https?:\/\//i.test(url)) return url;
  if (!baseUrl) return null;
  try {
    return new URL(url, baseUrl).toString();
  } catch {
    return null;
  }
}

/** `text`, then ` <url|label>` when the link resolves (`|` and `>` in it would end Slack's link early). */
export function buildEventText(text: string, link: EventLink | undefined, baseUrl: string | undefined): string {
  const url = link ? resolveLink(link.url, baseUrl) : null;
  if (!link || !url) return text;
  const safeUrl = url.replace(/\|/g, "%7C").replace(/>/g, "%3E").replace(/</g, "%3C");
  return `${text} <${safeUrl}|${escapeMrkdwn(link.label ?? "Open in Flightdeck").replace(/\|/g, "/")}>`;
}

/** A fresh event id: `evt_` + 32 hex digits. */
export function newEventId(): string {
  return `evt_${randomUUID().replace(/-/g, "")}`;
}

export function buildEnvelope(input: EmitEventInput, id = newEventId(), baseUrl = process.env.AUTH_URL): WebhookEnvelope {
  return {
    id,
    type: input.type,
    occurredAt: (input.occurredAt ?? new Date()).toISOString(),
    data: input.data,
    text: buildEventText(input.text, input.link, baseUrl),
  };
}

/**
 * Queues the event for every enabled endpoint subscribed to its type (no types
 * = all), on the caller's transaction, in one INSERT … SELECT: nothing is sent
 * unless the caller commits, and with no endpoint it is one cheap statement.
 * Returns the event id.
 */
export async function emitEvent(tx: Tx, input: EmitEventInput): Promise<string> {
  const envelope = buildEnvelope(input);
  await insertDeliveries(tx, envelope, null);
  return envelope.id;
}

/**
 * The one statement that queues deliveries. `onlyEndpointId`: that endpoint
 * alone, whatever it subscribes to (test events). Times are sent as ISO text
 * cast to `timestamp`, which keeps them UTC whatever the session time zone.
 * Ids come from gen_random_uuid (built in since PostgreSQL 13): Prisma's
 * cuid() default exists only in the client, not in the table.
 */
export async function insertDeliveries(tx: Tx, envelope: WebhookEnvelope, onlyEndpointId: string | null): Promise<number> {
  const at = envelope.occurredAt;
  return tx.$executeRaw`
    INSERT INTO "WebhookDelivery" ("id", "endpointId", "eventId", "eventType", "payload", "status", "attempts", "nextAttemptAt", "createdAt")
    SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), e."id", ${envelope.id}, ${envelope.type}, ${JSON.stringify(envelope)}::jsonb,
           'PENDING', 0, ${at}::timestamp(3), ${at}::timestamp(3)
    FROM "WebhookEndpoint" e
    WHERE e."enabled"
      AND (${onlyEndpointId}::text IS NULL OR e."id" = ${onlyEndpointId}::text)
      AND (${onlyEndpointId}::text IS NOT NULL OR COALESCE(cardinality(e."eventTypes"), 0) = 0 OR ${envelope.type} = ANY(e."eventTypes"))
    ON CONFLICT ("endpointId", "eventId") DO NOTHING`;
}
