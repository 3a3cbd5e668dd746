/**
 * The benchmark's second server: the same route handlers `next start` serves
 * for agents — `/api/live`, the budget check and the reservation — behind a
 * plain Node HTTP server, without Next.js's request pipeline (routing, its
 * Request objects, its tracer) and without the periodic jobs. What a check and
 * a reservation cost when only our code runs. Run with
 * `node --conditions=react-server --import tsx` so modules marked
 * `server-only` load outside Next (bench/lib/harness.ts startRouteServer).
 */
import { GET as live } from "../../app/api/live/route";
import { GET as check } from "../../app/api/v1/budgets/check/route";
import { POST as reserve } from "../../app/api/v1/budgets/reservations/route";
import { serveRouteHandlers } from "../lib/harness";

const port = Number(process.env.PORT ?? 3871);
const context = { params: Promise.resolve({}) };

serveRouteHandlers(port, async (request) => {
  const { pathname } = request.nextUrl;
  if (pathname === "/api/live") return live();
  if (pathname === "/api/v1/budgets/check") return check(request, context);
  if (pathname === "/api/v1/budgets/reservations") return reserve(request, context);
  return new Response(null, { status: 404 });
});
