/**
 * JSON routes for the console's own live views, authenticated by the browser
 * session (requireScope), never by an API key; errors in the API's JSON shape.
 */
import "server-only";
import { NextResponse } from "next/server";
import { errorResponse } from "@/lib/api/route";
import type { Scope } from "@/lib/rbac";
import { requireScope } from "@/lib/session";

export function sessionJsonRoute<P>(scope: Scope, handler: (request: Request, params: P) => Promise<unknown>) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> => {
    try {
      await requireScope(scope);
      const body = await handler(request, await context.params);
      return NextResponse.json(body, { headers: { "Cache-Control": "no-store" } });
    } catch (error) {
      return errorResponse(error, `${request.method} ${new URL(request.url).pathname}`);
    }
  };
}
