/** Input of the webhook endpoint commands, shared by the Settings forms and any future API route. */
import { z } from "zod";
import { SUBSCRIBABLE_EVENT_TYPES } from "./events";

const endpointName = z.string().trim().min(1, "Name the endpoint after where it sends, e.g. “#ops-alerts on Slack”.").max(80, "At most 80 characters.");

const endpointUrl = z
  .string()
  .trim()
  .max(2000, "At most 2,000 characters.")
  .pipe(z.url({ protocol: /^https?$/, message: "Enter an http:// or https:// URL." }));

/** None chosen means every event type, including ones added later. */
const eventTypes = z.array(z.enum(SUBSCRIBABLE_EVENT_TYPES, { message: "Choose event types from the list." })).transform((types) => [...new Set(types)]);

export const createWebhookEndpointSchema = z.object({ name: endpointName, url: endpointUrl, eventTypes });
export type CreateWebhookEndpointInput = z.infer<typeof createWebhookEndpointSchema>;

export const updateWebhookEndpointSchema = z.object({
  id: z.string().min(1, "Missing endpoint."),
  name: endpointName.optional(),
  url: endpointUrl.optional(),
  eventTypes: eventTypes.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateWebhookEndpointInput = z.infer<typeof updateWebhookEndpointSchema>;

export const webhookEndpointIdSchema = z.object({ id: z.string().min(1, "Missing endpoint.") });
export type WebhookEndpointIdInput = z.infer<typeof webhookEndpointIdSchema>;

/** What the create form gets back: the secret, this once. */
export type CreatedEndpoint = { name: string; secret: string };
