// Liveness and readiness for load balancers: 200 when the app and its database answer.
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import type { HealthJson } from "@/lib/api/schemas";
import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

export async function GET() {
  const started = performance.now();
  try {
    await db.$queryRaw`SELECT 1`;
    return NextResponse.json({ status: "ok", database: "ok", latencyMs: Math.round(performance.now() - started) } satisfies HealthJson);
  } catch (error) {
    console.error("[flightdeck] health check: database not answering", error);
    return NextResponse.json({ status: "unavailable", database: "unreachable" } satisfies HealthJson, { status: 503 });
  }
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);
