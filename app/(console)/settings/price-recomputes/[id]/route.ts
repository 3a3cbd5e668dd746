// Progress of one re-pricing of unpriced calls, polled by Settings › Model prices while it runs (admins only).
import { AppError } from "@/lib/errors";
import { ROW_ID } from "@/lib/ids";
import { sessionJsonRoute } from "@/lib/runs/session-route";
import { getPriceRecompute, priceRecomputeJson } from "@/lib/spend/prices/queries";

export const dynamic = "force-dynamic";

export const GET = sessionJsonRoute<{ id: string }>("admin", async (_request, { id }) => {
  if (!ROW_ID.test(id)) throw new AppError("bad_request:price_recompute", "Malformed re-pricing id.");
  const recompute = await getPriceRecompute(id);
  if (!recompute) throw new AppError("not_found:price_recompute", "There is no such re-pricing.");
  return { recompute: priceRecomputeJson(recompute) };
});
