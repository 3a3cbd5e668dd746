/**
 * What the agent listener serves (scripts/agent-listener.ts): the agent-facing
 * hot paths, each by the very route module the console's port uses, so auth,
 * scopes, the 423 gate, validation and answers are the same code. A path not
 * listed is 404 here (agents use the console's port for everything else); a
 * method the module does not serve gets its own 405.
 */
import type { NextRequest } from "next/server";
import { jsonError } from "@/lib/api/methods";
import * as live from "@/app/api/live/route";
import * as budgetCheck from "@/app/api/v1/budgets/check/route";
import * as reservations from "@/app/api/v1/budgets/reservations/route";
import * as reservation from "@/app/api/v1/budgets/reservations/[id]/route";

type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Response | Promise<Response>;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Method = (typeof METHODS)[number];
/** HEAD is answered by GET, as Next does (Node sends no body for it). */
const methodOf = (request: NextRequest): string => (request.method.toUpperCase() === "HEAD" ? "GET" : request.method.toUpperCase());

interface Route {
  pattern: RegExp;
  module: Partial<Record<Method, unknown>>;
  /** Names of the pattern's groups, in order: the route's dynamic segments. */
  params?: string[];
}

export const AGENT_ROUTES: readonly Route[] = [
  { pattern: /^\/api\/live$/, module: live },
  { pattern: /^\/api\/v1\/budgets\/check$/, module: budgetCheck },
  { pattern: /^\/api\/v1\/budgets\/reservations$/, module: reservations },
  { pattern: /^\/api\/v1\/budgets\/reservations\/([^/]+)$/, module: reservation, params: ["id"] },
];

const notFound = () =>
  jsonError(404, "not_found:route", "The agent listener serves the budget check and reservations only; use the console's port for the rest of the API.");

export async function handleAgentRoute(request: NextRequest): Promise<Response> {
  const { pathname } = request.nextUrl;
  for (const route of AGENT_ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    // Every route module answers each method (its own handlers, or methodNotAllowed's 405 with Allow).
    const method = methodOf(request);
    const handler = (METHODS as readonly string[]).includes(method) ? (route.module[method as Method] as Handler | undefined) : undefined;
    if (!handler) return jsonError(405, "method_not_allowed:route", `${request.method} is not allowed on ${pathname}.`);
    let params: Record<string, string>;
    try {
      params = Object.fromEntries((route.params ?? []).map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
    } catch {
      return notFound();
    }
    return handler(request, { params: Promise.resolve(params) });
  }
  return notFound();
}
