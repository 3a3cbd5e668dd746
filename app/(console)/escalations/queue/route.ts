// The queue as JSON for the live view (re-read on each event of the stream, or polled when the stream is down).
import { listQueue, queueFilterReport } from "@/lib/escalations/queries";
import { sessionJsonRoute } from "@/lib/runs/session-route";

export const dynamic = "force-dynamic";

export const GET = sessionJsonRoute<Record<string, never>>("escalations:read", async (request) => {
  const { filter } = queueFilterReport(new URL(request.url).searchParams);
  return { items: await listQueue(filter), at: new Date().toISOString() };
});
