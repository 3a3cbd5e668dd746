/**
 * What every benchmark here shares: its own fresh, migrated database on the
 * benchmark's embedded PostgreSQL with an ingest key, the app server as a child
 * process (started, awaited, stopped), and the plain Node HTTP server that puts
 * real route handlers behind a port the way Next does.
 */
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import { NextRequest } from "next/server";
import pg from "pg";
import { generateApiKey, hashApiKey } from "../../lib/api-keys/keys";
import { newId } from "../../lib/ids";
import { ensureDatabase, portIsOpen, type EmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { migrateDeploy } from "../../scripts/lib/prisma-cli";

/** `name` recreated empty and migrated, with an `ingest` API key; `admin` is a plain connection to it (end it). */
export async function freshBenchDatabase(pgServer: EmbeddedPostgres, name: string): Promise<{ url: string; key: string; admin: pg.Client }> {
  await ensureDatabase(pgServer.url("postgres"), name, { fresh: true });
  const url = pgServer.url(name);
  await migrateDeploy(url, true);
  const key = generateApiKey();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`INSERT INTO "ApiKey" (id, name, prefix, hash, scopes) VALUES ($1, 'bench', $2, $3, '{ingest}')`, [newId(), key.slice(0, 9), hashApiKey(key)]);
  return { url, key, admin };
}

export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app server exited (${child.exitCode})`);
    if (await portIsOpen(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the app server did not listen on ${port}`);
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

/**
 * Serves `handle` on 127.0.0.1:`port`: each request read whole (as Next buffers route bodies), handed over as a
 * NextRequest, its Response written back; a thrown error is logged and answered 500. Stops on SIGTERM.
 */
export function serveRouteHandlers(port: number, handle: (request: NextRequest) => Promise<Response>): void {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new NextRequest(`http://localhost:${port}${req.url}`, { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined });
      const response = await handle(request);
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
}
