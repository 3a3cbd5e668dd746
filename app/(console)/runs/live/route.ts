// Current state of the running rows the runs list shows (polled by TanStack Query).
import { AppError } from "@/lib/errors";
import { getRunsByIds } from "@/lib/runs/queries";
import { sessionJsonRoute } from "@/lib/runs/session-route";

export const dynamic = "force-dynamic";

export const GET = sessionJsonRoute<Record<string, never>>("runs:read", async (request) => {
  const ids = (new URL(request.url).searchParams.get("ids") ?? "").split(",").filter(Boolean);
  if (ids.length > 200) throw new AppError("bad_request:ids", "Ask for at most 200 runs at a time.");
  if (ids.some((id) => !/^[A-Za-z0-9_-]{1,64}$/.test(id))) throw new AppError("bad_request:ids", "Malformed run id.");
  return { runs: await getRunsByIds(ids) };
});
