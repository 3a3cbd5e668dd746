// `DELETE /api/v1/budgets/reservations/{id}` — give a reservation back before it expires (204). Only the key that made it.
import { methodNotAllowed } from "@/lib/api/methods";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import { releaseReservation } from "@/lib/spend/budgets/reservations";

export const dynamic = "force-dynamic";

export const DELETE = apiRoute<{ id: string }>("budgets:check", async (_request, { key, params }) => {
  if (!/^res_[0-9a-f]{32}$/.test(params.id)) throw new AppError("bad_request:reservation_id", "Malformed reservation id.");
  if (!(await releaseReservation(params.id, key.id))) throw new AppError("not_found:reservation", "There is no such reservation made with this key.");
  return new Response(null, { status: 204 });
});

export const { GET, POST, PUT, PATCH, OPTIONS } = methodNotAllowed(["DELETE"]);
