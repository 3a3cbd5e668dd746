/**
 * A small Flightdeck stand-in for the SDK's unit tests: a real `node:http`
 * server on 127.0.0.1 (so timeouts, dropped connections and long-polls are
 * real), with handlers per route and a log of what the SDK sent. The agent
 * status route answers "active" unless a test replaces it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type Handler = (request: FakeRequest, response: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  url: string;
  requests: FakeRequest[];
  /** Routes are matched on `METHOD /path` (a RegExp or an exact string); later registrations win. */
  on(method: string, path: string | RegExp, handler: Handler): void;
  /** Requests to a route, e.g. `count("GET", /prompts/)`. */
  count(method: string, path: string | RegExp): number;
  close(): Promise<void>;
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  response.writeHead(status, { ...(text ? { "Content-Type": "application/json" } : {}), ...headers });
  response.end(text);
}

const matches = (pattern: string | RegExp, path: string) => (typeof pattern === "string" ? pattern === path : pattern.test(path));

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function startFakeServer(): Promise<FakeServer> {
  const routes: { method: string; path: string | RegExp; handler: Handler }[] = [];
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const request: FakeRequest = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body: await readBody(req) };
    requests.push(request);
    const route = [...routes].reverse().find((r) => r.method === request.method && matches(r.path, request.path));
    if (!route) return json(res, 404, { error: { code: "not_found:route", message: `No fake route for ${request.method} ${request.path}` } });
    try {
      await route.handler(request, res);
    } catch (error) {
      if (!res.headersSent) json(res, 500, { error: { code: "internal", message: String(error) } });
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(method, path, handler) {
      routes.push({ method, path, handler });
    },
    count(method, path) {
      return requests.filter((r) => r.method === method && matches(path, r.path)).length;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  fake.on("GET", /^\/api\/v1\/agents\/[^/]+\/status$/, (request, response) => {
    const agent = decodeURIComponent(request.path.split("/")[4]!);
    json(response, 200, { agent, status: "active", reason: null, since: null, setBy: null, breaker: null }, { ETag: '"active"' });
  });
  return fake;
}

/** A port nothing listens on (bound, then released). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
