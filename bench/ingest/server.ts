/**
 * The benchmark's app server: the real OTLP route handler (auth, body limits,
 * protobuf decoding, ingestion transaction, ledger) behind a plain Node HTTP
 * server. Run with `node --conditions=react-server --import tsx` so modules
 * marked `server-only` load outside Next. `--next` in run.ts uses `next start` instead.
 */
import { createServer } from "node:http";
import { NextRequest } from "next/server";
import { POST } from "../../app/api/otel/v1/traces/route";

const port = Number(process.env.PORT ?? 3399);

const server = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new NextRequest(`http://localhost:${port}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
    const response = await POST(request, { params: Promise.resolve({}) });
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
