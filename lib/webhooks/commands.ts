/**
 * Webhook endpoints as audited commands: create (the signing secret is
 * generated here and returned once), update, delete, and queue a test event for
 * one endpoint. Audit records carry the endpoint's name, URL, types and state,
 * never its secret.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import type { Actor } from "@/lib/audit";
import { defineCommand, type CommandScope } from "@/lib/commands";
import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { buildEnvelope, insertDeliveries, mrkdwn } from "./events";
import type { CreateWebhookEndpointInput, UpdateWebhookEndpointInput, WebhookEndpointIdInput } from "./schemas";

const ADMIN: CommandScope = { user: "admin", key: "admin" };

/** What audit events and command results show of an endpoint: everything but the secret. */
const AUDITED = { id: true, name: true, url: true, eventTypes: true, enabled: true } as const;

export interface WebhookEndpointSummary {
  id: string;
  name: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
}

/** 256 random bits, URL-safe: the HMAC key, used as the UTF-8 string shown to the admin. */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString("base64url");
}

async function loadEndpoint(tx: Tx, id: string) {
  const endpoint = await tx.webhookEndpoint.findUnique({ where: { id }, select: AUDITED });
  if (!endpoint) throw new AppError("not_found:webhook_endpoint", "That webhook endpoint does not exist (it may have just been deleted).");
  return endpoint;
}

export const createWebhookEndpoint = defineCommand(
  "webhook_endpoint.create",
  ADMIN,
  async (tx: Tx, actor: Actor, input: CreateWebhookEndpointInput) => {
    const secret = generateWebhookSecret();
    const endpoint: WebhookEndpointSummary = await tx.webhookEndpoint.create({
      data: { name: input.name, url: input.url, eventTypes: input.eventTypes, secret, createdById: actor.type === "USER" ? actor.id : null },
      select: AUDITED,
    });
    return { result: { endpoint, secret }, audit: { targetType: "webhook_endpoint", targetId: endpoint.id, after: endpoint } };
  },
);

export const updateWebhookEndpoint = defineCommand(
  "webhook_endpoint.update",
  ADMIN,
  async (tx: Tx, _actor: Actor, input: UpdateWebhookEndpointInput) => {
    const before = await loadEndpoint(tx, input.id);
    const data: Partial<Omit<WebhookEndpointSummary, "id">> = {};
    if (input.name !== undefined && input.name !== before.name) data.name = input.name;
    if (input.url !== undefined && input.url !== before.url) data.url = input.url;
    if (input.enabled !== undefined && input.enabled !== before.enabled) data.enabled = input.enabled;
    if (input.eventTypes !== undefined && [...input.eventTypes].sort().join() !== [...before.eventTypes].sort().join()) data.eventTypes = input.eventTypes;
    // Nothing to change (a double click on "Disable"): no write, no audit event.
    if (Object.keys(data).length === 0) return { result: before as WebhookEndpointSummary, audit: null };
    const after: WebhookEndpointSummary = await tx.webhookEndpoint.update({ where: { id: input.id }, data, select: AUDITED });
    return { result: after, audit: { targetType: "webhook_endpoint", targetId: after.id, before, after } };
  },
);

export const deleteWebhookEndpoint = defineCommand(
  "webhook_endpoint.delete",
  ADMIN,
  async (tx: Tx, _actor: Actor, input: WebhookEndpointIdInput) => {
    const before: WebhookEndpointSummary = await loadEndpoint(tx, input.id);
    // Its deliveries go with it (ON DELETE CASCADE); the count says how much history that was.
    const deliveries = await tx.webhookDelivery.count({ where: { endpointId: input.id } });
    await tx.webhookEndpoint.delete({ where: { id: input.id } });
    return { result: before, audit: { targetType: "webhook_endpoint", targetId: before.id, before, metadata: { deliveries } } };
  },
);

/** Queues a `webhook.test` event for this endpoint alone, whatever types it subscribes to. */
export const sendWebhookTestEvent = defineCommand(
  "webhook_endpoint.test",
  ADMIN,
  async (tx: Tx, actor: Actor, input: WebhookEndpointIdInput) => {
    const endpoint = await loadEndpoint(tx, input.id);
    if (!endpoint.enabled) throw new AppError("conflict:webhook_endpoint", `“${endpoint.name}” is disabled: enable it to send a test event.`);
    const envelope = buildEnvelope({
      type: "webhook.test",
      data: { endpoint: { id: endpoint.id, name: endpoint.name }, requestedBy: actor.label },
      text: mrkdwn`*Flightdeck test event* for “${endpoint.name}”, sent by ${actor.label}: this endpoint receives Flightdeck events.`,
      link: { url: "/settings", label: "Webhook settings" },
    });
    await insertDeliveries(tx, envelope, endpoint.id);
    return { result: { eventId: envelope.id }, audit: { targetType: "webhook_endpoint", targetId: endpoint.id, metadata: { eventId: envelope.id } } };
  },
);
