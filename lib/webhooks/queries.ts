/** Reads for Settings › Webhooks: endpoints (never their secret) and each one's delivery log. */
import "server-only";
import { db } from "@/lib/db";
import type { WebhookDeliveryStatus } from "@/lib/generated/prisma/client";

export interface WebhookEndpointRow {
  id: string;
  name: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  createdAt: Date;
  /** The secret's last four characters, so an admin can tell which one a receiver holds. */
  secretHint: string;
}

/** The hint is cut in SQL: the secret itself never leaves the database for a page. */
export function listWebhookEndpoints(): Promise<WebhookEndpointRow[]> {
  return db.$queryRaw<WebhookEndpointRow[]>`
    SELECT "id", "name", "url", COALESCE("eventTypes", ARRAY[]::text[]) AS "eventTypes", "enabled", "createdAt",
           '…' || right("secret", 4) AS "secretHint"
    FROM "WebhookEndpoint"
    ORDER BY "createdAt" DESC, "id" DESC`;
}

export interface WebhookDeliveryRow {
  id: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
}

export const DELIVERY_LOG_PAGE = 50;

/** Newest first; `cursor` is the last id of the previous page. */
export async function listWebhookDeliveries({
  endpointId,
  cursor,
  take = DELIVERY_LOG_PAGE,
}: {
  endpointId: string;
  cursor?: string | null;
  take?: number;
}): Promise<{ deliveries: WebhookDeliveryRow[]; nextCursor: string | null }> {
  const rows = await db.webhookDelivery.findMany({
    where: { endpointId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: take + 1,
    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    select: {
      id: true,
      eventId: true,
      eventType: true,
      status: true,
      attempts: true,
      responseStatus: true,
      lastError: true,
      createdAt: true,
      lastAttemptAt: true,
      nextAttemptAt: true,
      deliveredAt: true,
    },
  });
  const deliveries = rows.slice(0, take);
  return { deliveries, nextCursor: rows.length > take ? (deliveries.at(-1)?.id ?? null) : null };
}
