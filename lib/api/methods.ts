/**
 * JSON answers for requests no route handler serves, in the API's one error
 * shape `{ error: { code, message } }`:
 * - 405 for a known path with a method its route file does not export. Next
 *   answers that by itself with an empty body and no `Allow` header, and
 *   answers OPTIONS with an `Allow` built from whatever the module exports; so
 *   each route file exports the methods it lacks through `methodNotAllowed`,
 *   and OPTIONS with the real list:
 *   `export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);`
 * - 404 for an unknown path under /api (`app/api/[...path]/route.ts`), instead
 *   of the console's HTML not-found page.
 */
import type { ErrorBody } from "@/lib/errors";

/** The methods a route file may serve; HEAD follows GET (Next implements it), OPTIONS is answered here. */
export const ROUTE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

type Handler = (request: Request) => Response;

/** Marks the handlers below, so tests can tell them from a route's real handlers. */
export const FALLBACK_HANDLER = Symbol.for("flightdeck.api.fallback-handler");
type FallbackHandler = Handler & { [FALLBACK_HANDLER]: "method_not_allowed" | "not_found" };

function fallback(kind: FallbackHandler[typeof FALLBACK_HANDLER], handler: Handler): FallbackHandler {
  return Object.assign(handler, { [FALLBACK_HANDLER]: kind });
}

/** True for a handler made here (a 405 or 404 answer), false for a route's own. */
export function isFallbackHandler(value: unknown): boolean {
  return typeof value === "function" && FALLBACK_HANDLER in value;
}

/** An error in the API's JSON shape, never cached. */
export function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  const body: ErrorBody = { error: { code, message } };
  return Response.json(body, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

/** The Allow header for a route serving `methods`: HEAD with GET, and always OPTIONS. */
export function allowHeader(methods: readonly RouteMethod[]): string {
  const allow = new Set<string>([...methods, "OPTIONS"]);
  if (allow.has("GET")) allow.add("HEAD");
  return [...allow].sort().join(", ");
}

/** Handlers for every method a route does not serve (405 with Allow), plus OPTIONS (204 with Allow). */
export function methodNotAllowed<const A extends readonly RouteMethod[]>(
  allowed: A,
): Record<Exclude<RouteMethod, A[number]>, FallbackHandler> & { OPTIONS: FallbackHandler } {
  const allow = allowHeader(allowed);
  const notAllowed = fallback("method_not_allowed", (request) =>
    jsonError(405, "method_not_allowed:route", `${request.method} is not allowed on ${new URL(request.url).pathname}; use ${allowed.join(" or ")}.`, {
      Allow: allow,
    }),
  );
  const handlers: Partial<Record<RouteMethod | "OPTIONS", FallbackHandler>> = {
    OPTIONS: fallback("method_not_allowed", () => new Response(null, { status: 204, headers: { Allow: allow } })),
  };
  for (const method of ROUTE_METHODS) if (!allowed.includes(method)) handlers[method] = notAllowed;
  return handlers as Record<Exclude<RouteMethod, A[number]>, FallbackHandler> & { OPTIONS: FallbackHandler };
}

/** The 404 for a path under /api that no route serves. */
export const routeNotFound: FallbackHandler = fallback("not_found", (request) =>
  jsonError(404, "not_found:route", `There is no API route at ${new URL(request.url).pathname}; see /api/v1/openapi.json.`),
);
