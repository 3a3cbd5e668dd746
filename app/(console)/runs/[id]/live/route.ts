// The pulse of one run (status, step count), polled while it is running.
import { AppError } from "@/lib/errors";
import { getRunPulse } from "@/lib/runs/run-queries";
import { sessionJsonRoute } from "@/lib/runs/session-route";

export const dynamic = "force-dynamic";

export const GET = sessionJsonRoute<{ id: string }>("runs:read", async (_request, { id }) => {
  const pulse = await getRunPulse(id);
  if (!pulse) throw new AppError("not_found:run", "No run with that id.");
  return pulse;
});
