// Any path under /api that no route serves: a JSON 404 in the API's error shape,
// not the console's HTML not-found page. Explicit routes (and /api/auth/*) take
// precedence over this catch-all, so it only sees unknown paths.
import { routeNotFound } from "@/lib/api/methods";

export const dynamic = "force-dynamic";

export const GET = routeNotFound;
export const POST = routeNotFound;
export const PUT = routeNotFound;
export const PATCH = routeNotFound;
export const DELETE = routeNotFound;
export const OPTIONS = routeNotFound;
