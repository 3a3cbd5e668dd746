// The ingestion ledger of a key (or of every sender): requests and spans per minute, hour or day (lib/telemetry/ledger.ts).
import { NextResponse } from "next/server";
import { methodNotAllowed } from "@/lib/api/methods";
import { parseQuery } from "@/lib/api/parse";
import { apiRoute } from "@/lib/api/route";
import { getIngestLedger, ledgerQuerySchema, type LedgerAnswer } from "@/lib/telemetry/ledger";

export const dynamic = "force-dynamic";

export const GET = apiRoute("admin", async (request) => {
  const query = parseQuery(request, ledgerQuerySchema, { surface: "ingest_ledger_query", message: "Invalid query parameters." });
  return NextResponse.json((await getIngestLedger(query)) satisfies LedgerAnswer);
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodNotAllowed(["GET"]);
