/** The periodic job that sends queued webhook deliveries (listed in lib/jobs/registry.ts). */
import { defineJob } from "@/lib/jobs/define";
import { deliverDueWebhooks } from "./delivery";

export const webhookDeliveryJob = defineJob({
  name: "webhook_delivery",
  description: "Sends queued webhook events to their endpoints, retrying failures with exponential backoff.",
  intervalMs: 5_000,
  async run({ now, signal }) {
    return deliverDueWebhooks({ now, signal });
  },
});
