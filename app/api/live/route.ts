// Liveness for orchestrators: 200 while the process serves requests. No key and no database, so a
// database outage never gets the app restarted; readiness (app and database) is /api/health.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";

export const dynamic = "force-dynamic";

export function GET() {
  return NextResponse.json({ status: "ok" } as const, { headers: { "Cache-Control": "no-store" } });
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);
