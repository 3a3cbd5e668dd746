// The API's own description; public, like /api/health, so tools can read it before they have a key.
// ETag'd: generators and gateways that poll it get a 304 until a deploy changes it.
import type { NextRequest } from "next/server";
import { conditionalJson } from "@/lib/api/conditional";
import { methodNotAllowed } from "@/lib/api/methods";
import { openApiDocument } from "@/lib/api/openapi";

export function GET(request: NextRequest) {
  return conditionalJson(request, openApiDocument(request.nextUrl.origin), { maxAge: 300, visibility: "public" });
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);
