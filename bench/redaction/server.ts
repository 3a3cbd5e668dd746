/**
 * The redaction benchmark's app server: the real health and native ingestion
 * route handlers behind a plain Node HTTP server, as bench/ingest/server.ts
 * does for OTLP. Run with `node --conditions=react-server --import tsx` so
 * modules marked `server-only` load outside Next.
 */
import { GET as health } from "../../app/api/health/route";
import { POST as ingest } from "../../app/api/v1/ingest/route";
import { serveRouteHandlers } from "../lib/harness";

const port = Number(process.env.PORT ?? 3297);

serveRouteHandlers(port, async (request) => {
  const path = request.nextUrl.pathname;
  if (request.method === "GET" && path === "/api/health") return health();
  if (request.method === "POST" && path === "/api/v1/ingest") return ingest(request, { params: Promise.resolve({}) });
  return new Response("not found", { status: 404 });
});
