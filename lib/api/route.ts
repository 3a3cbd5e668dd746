/**
 * Wraps every HTTP API route: authenticate the key (401/403), run the handler,
 * and answer every error in the one JSON shape `{ error: { code, message } }`.
 */
import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { authenticateApiKey, type ApiKeyCaller } from "@/lib/api-keys/authenticate";
import { AppError, toErrorBody } from "@/lib/errors";
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

/** Reads a JSON body, answering 400 (not 500) for malformed JSON. */
export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text.trim()) throw new AppError("bad_request:body", "The request body is empty; send JSON.");
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request:json", "The request body is not valid JSON.");
  }
}

/** zod issues as `{ path: message }` details for 400 answers. */
export function issuesToDetails(issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
