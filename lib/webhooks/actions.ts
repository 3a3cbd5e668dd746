"use server";
// Server actions behind Settings › Webhooks: scope check, validation, the command, revalidation.

import { revalidatePath } from "next/cache";
import { execute } from "@/lib/commands";
import { actionError, fieldErrors, invalid, type ActionState } from "@/lib/forms";
import { actorOf, requireScope } from "@/lib/session";
import { createWebhookEndpoint, deleteWebhookEndpoint, sendWebhookTestEvent, updateWebhookEndpoint } from "./commands";
import { createWebhookEndpointSchema, updateWebhookEndpointSchema, webhookEndpointIdSchema, type CreatedEndpoint } from "./schemas";

export async function createWebhookEndpointAction(_prev: ActionState<CreatedEndpoint>, formData: FormData): Promise<ActionState<CreatedEndpoint>> {
  try {
    const me = await requireScope("admin");
    const parsed = createWebhookEndpointSchema.safeParse({
      name: formData.get("name"),
      url: formData.get("url"),
      eventTypes: formData.getAll("eventTypes"),
    });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const { endpoint, secret } = await execute(createWebhookEndpoint, actorOf(me), parsed.data);
    revalidatePath("/settings");
    return { status: "success", message: `Added endpoint “${endpoint.name}”.`, data: { name: endpoint.name, secret } };
  } catch (error) {
    return actionError(error, "createWebhookEndpoint");
  }
}

export async function setWebhookEndpointEnabledAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = updateWebhookEndpointSchema.safeParse({ id: formData.get("endpointId"), enabled: formData.get("enabled") === "true" });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const endpoint = await execute(updateWebhookEndpoint, actorOf(me), parsed.data);
    revalidatePath("/settings");
    return { status: "success", message: `“${endpoint.name}” is ${endpoint.enabled ? "enabled" : "disabled"}.` };
  } catch (error) {
    return actionError(error, "setWebhookEndpointEnabled");
  }
}

export async function sendWebhookTestEventAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = webhookEndpointIdSchema.safeParse({ id: formData.get("endpointId") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    await execute(sendWebhookTestEvent, actorOf(me), parsed.data);
    revalidatePath("/settings");
    return { status: "success", message: "Test event queued: it is sent within a few seconds." };
  } catch (error) {
    return actionError(error, "sendWebhookTestEvent");
  }
}

export async function deleteWebhookEndpointAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  try {
    const me = await requireScope("admin");
    const parsed = webhookEndpointIdSchema.safeParse({ id: formData.get("endpointId") });
    if (!parsed.success) return invalid(fieldErrors(parsed.error.issues));
    const endpoint = await execute(deleteWebhookEndpoint, actorOf(me), parsed.data);
    revalidatePath("/settings");
    return { status: "success", message: `Deleted “${endpoint.name}”.` };
  } catch (error) {
    return actionError(error, "deleteWebhookEndpoint");
  }
}
