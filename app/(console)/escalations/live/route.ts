// The live queue's event stream (lib/escalations/live.ts); the browser re-reads the queue on each event and
// falls back to polling /escalations/queue when the stream is down.
import { errorResponse } from "@/lib/api/route";
import { escalationEventStream } from "@/lib/escalations/live";
import { requireScope } from "@/lib/session";

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  try {
    await requireScope("escalations:read");
  } catch (error) {
    return errorResponse(error, "GET /escalations/live");
  }
  return escalationEventStream(request);
}
