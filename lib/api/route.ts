/**
 * Wraps every HTTP API route: authenticate the key (401/403), run the handler,
 * and answer every error in the one JSON shape `{ error: { code, message } }`.
 * Handlers read input with lib/api/parse.ts (bounded, validated); see README.md.
 */
import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { authenticateApiKey, type ApiKeyCaller } from "@/lib/api-keys/authenticate";
import { toErrorBody } from "@/lib/errors";
import type { ApiKeyScope } from "@/lib/rbac";

export interface ApiContext<P> {
  key: ApiKeyCaller;
  params: P;
}

type RouteContext<P> = { params: Promise<P> };

/** `scope: null` = any valid key; the handler then checks what it needs itself. */
export function apiRoute<P = Record<string, never>>(
  scope: ApiKeyScope | null,
  handler: (request: NextRequest, context: ApiContext<P>) => Promise<Response>,
) {
  return async (request: NextRequest, context: RouteContext<P>): Promise<Response> => {
    try {
      const key = await authenticateApiKey(request.headers.get("authorization"), scope);
      return await handler(request, { key, params: await context.params });
    } catch (error) {
      return errorResponse(error, `${request.method} ${request.nextUrl.pathname}`);
    }
  };
}

export function errorResponse(error: unknown, logContext?: string): Response {
  const { status, body } = toErrorBody(error, logContext);
  return NextResponse.json(body, { status });
}
