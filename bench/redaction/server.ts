/**
 * The redaction benchmark's app server: the real health and native ingestion
 * route handlers behind a plain Node HTTP server, as bench/ingest/server.ts
 * does for OTLP. Run with `node --conditions=react-server --import tsx` so
 * modules marked `server-only` load outside Next.
 */
import { createServer } from "node:http";
import { NextRequest } from "next/server";
import { GET as health } from "../../app/api/health/route";
import { POST as ingest } from "../../app/api/v1/ingest/route";

const port = Number(process.env.PORT ?? 3297);

const server = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const url = `http://localhost:${port}${req.url}`;
    let response: Response;
    if (req.method === "GET" && req.url === "/api/health") response = await health();
    else if (req.method === "POST" && req.url === "/api/v1/ingest") {
      response = await ingest(new NextRequest(url, { method: "POST", headers, body: Buffer.concat(chunks) }), { params: Promise.resolve({}) });
    } else response = new Response("not found", { status: 404 });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    console.error(error);
    res.writeHead(500).end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => console.log(`bench server on ${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
