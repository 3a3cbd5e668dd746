/**
 * Route handlers (`(request) => Response`, as in app/api) behind a plain Node
 * HTTP server, without Next.js's request pipeline: the agent listener
 * (scripts/agent-listener.ts) and the benchmarks' own servers. Bodies are
 * read up to `maxBodyBytes` (413 past it, before the handler runs; the
 * handlers apply their own, smaller limits); any failure of the handler is a
 * 500 in the API's error shape, never a crash.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { NextRequest } from "next/server";

export interface RouteServerOptions {
  port: number;
  /** Interface to listen on; every interface when unset (as `next start`). */
  host?: string;
  /** Largest body read before the handler runs (default 1 MiB). */
  maxBodyBytes?: number;
}

const json = (status: number, code: string, message: string) => ({
  status,
  body: JSON.stringify({ error: { code, message } }),
});

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function serveRoutes(handle: (request: NextRequest) => Promise<Response>, { port, host, maxBodyBytes = 1024 * 1024 }: RouteServerOptions): Server {
  const server = createServer(async (req, res) => {
    try {
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const body = hasBody ? await readBody(req, maxBodyBytes) : undefined;
      if (body === null) {
        const error = json(413, "payload_too_large:body", `The body is larger than the limit of ${maxBodyBytes} bytes.`);
        res.writeHead(error.status, { "content-type": "application/json", connection: "close" }).end(error.body);
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      // A fixed origin: the handlers read the path and query only, and a client's Host header never reaches a URL.
      const target = new URL(req.url ?? "/", "http://localhost");
      const request = new NextRequest(new URL(`${target.pathname}${target.search}`, `http://localhost:${port}`), { method: req.method, headers, body: body as Uint8Array<ArrayBuffer> | undefined });
      const response = await handle(request);
      const out: Record<string, string | string[]> = {};
      response.headers.forEach((value, name) => {
        if (name !== "set-cookie") out[name] = value;
      });
      const cookies = response.headers.getSetCookie();
      if (cookies.length) out["set-cookie"] = cookies;
      res.writeHead(response.status, out);
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      console.error("[flightdeck] route server:", error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const failure = json(500, "internal:server", "Something went wrong on our side; it has been logged.");
      res.writeHead(failure.status, { "content-type": "application/json" }).end(failure.body);
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, host);
  return server;
}
