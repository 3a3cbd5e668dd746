// One step's full detail (messages, arguments, results), loaded on selection.
import { AppError } from "@/lib/errors";
import { getStepDetail } from "@/lib/runs/run-queries";
import { sessionJsonRoute } from "@/lib/runs/session-route";

export const dynamic = "force-dynamic";

export const GET = sessionJsonRoute<{ id: string; stepId: string }>("runs:read", async (_request, { id, stepId }) => {
  const step = await getStepDetail(id, stepId);
  if (!step) throw new AppError("not_found:step", "No step with that id in this run.");
  return step;
});
