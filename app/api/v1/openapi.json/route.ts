// The API's own description; public, like /api/health, so tools can read it before they have a key.
import { NextResponse, type NextRequest } from "next/server";
import { openApiDocument } from "@/lib/api/openapi";

export function GET(request: NextRequest) {
  return NextResponse.json(openApiDocument(request.nextUrl.origin), {
    headers: { "Cache-Control": "public, max-age=300" },
  });
}
