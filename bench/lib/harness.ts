/**
 * What every benchmark here shares: its own fresh, migrated database on the
 * benchmark's embedded PostgreSQL with an ingest key, the app server as a child
 * process (started, awaited, stopped), the plain Node HTTP server that puts
 * real route handlers behind a port the way Next does, and a production build
 * of its own for `next start` (rebuilt when the sources changed).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import type { NextRequest } from "next/server";
import pg from "pg";
import { generateApiKey, hashApiKey } from "../../lib/api-keys/keys";
import { newId } from "../../lib/ids";
import { ensureDatabase, portIsOpen, type EmbeddedPostgres } from "../../scripts/lib/embedded-postgres";
import { buildFingerprint } from "../../scripts/lib/build-fingerprint";
import { migrateDeploy } from "../../scripts/lib/prisma-cli";
import { serveRoutes } from "../../scripts/lib/route-server";
import { serverNodeOptions } from "../../scripts/lib/server-node-options";

/** The middle value (NaN for none): what the profiles report per stage. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

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

/** The route handler(s) behind a plain Node server on 127.0.0.1:`port` (scripts/lib/route-server.ts, as the agent listener), bodies up to 1 GiB; stops on SIGTERM. */
export function serveRouteHandlers(port: number, handle: (request: NextRequest) => Promise<Response>): void {
  const server = serveRoutes(handle, { port, host: "127.0.0.1", maxBodyBytes: 1024 ** 3 });
  server.on("listening", () => console.log(`bench server on ${port}`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

const NEXT_BIN = "node_modules/next/dist/bin/next";
const BUILD_STAMP = "flightdeck-build-fingerprint";

export interface NextBuildOutcome {
  /** False when the build in `distDir` was already of these sources. */
  built: boolean;
  /**
   * `next build` with a non-default distDir adds `<distDir>/types/**` entries to tsconfig.json's
   * `include` (and reformats it). "restored": only such entries changed (this build's or a concurrent
   * one's) and the file was put back as it was; "left": it changed in some other way too (an edit
   * meanwhile?) and was left alone; null: untouched.
   */
  tsconfig: "restored" | "left" | null;
}

/**
 * A production build in `distDir` (relative to the repository root) of the current sources: `next build`
 * (NEXT_DIST_DIR=`distDir`) unless the stamp `npm start` writes there matches the sources' fingerprint
 * (scripts/lib/build-fingerprint.ts). Does not run `prisma generate` (the generated client is shared).
 * A benchmark's own distDir keeps it off a developer's `.next` and other benchmarks' builds.
 */
export async function ensureNextBuild(distDir: string, log: (line: string) => void = () => {}): Promise<NextBuildOutcome> {
  const root = process.cwd();
  const stampFile = path.join(root, distDir, BUILD_STAMP);
  const fingerprint = buildFingerprint(root);
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === fingerprint) return { built: false, tsconfig: null };
  const tsconfigFile = path.join(root, "tsconfig.json");
  const tsconfigBefore = readFileSync(tsconfigFile, "utf8");
  log(`building into ${distDir} (the sources changed since its last build)…`);
  const started = performance.now();
  const output: Buffer[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, NEXT_BIN), "build"], {
      cwd: root,
      env: { ...process.env, NODE_ENV: "production", NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("exit", (exitCode) => resolve(exitCode ?? 1));
  });
  const tsconfig = restoreTsconfig(tsconfigFile, tsconfigBefore);
  if (tsconfig === "left") log("WARNING: tsconfig.json changed during the build beyond the build's own include entries; left as it is");
  if (code !== 0) {
    process.stderr.write(Buffer.concat(output));
    throw new Error(`next build into ${distDir} failed (exit ${code})`);
  }
  writeFileSync(stampFile, fingerprint + "\n");
  log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s${tsconfig === "restored" ? "; tsconfig.json restored (next build had added its include entries)" : ""}`);
  return { built: true, tsconfig };
}

/** The include entries `next build` adds for a distDir: `<distDir>/types/…` and `<distDir>/dev/types/…` globs. */
const NEXT_TYPES_INCLUDE = /^(\.\/)?\.next[^/]*\/(dev\/)?types\/\*\*\/\*\.ts$/;

/**
 * Puts tsconfig.json back as it was before the build when the only change is include entries of that kind
 * (this build's, or those of another build running at the same time in this tree) and formatting.
 */
function restoreTsconfig(file: string, before: string): NextBuildOutcome["tsconfig"] {
  const after = readFileSync(file, "utf8");
  if (after === before) return null;
  try {
    const original = JSON.parse(before) as { include?: unknown[] };
    const rewritten = JSON.parse(after) as { include?: unknown[] };
    const kept = new Set(original.include ?? []);
    if (Array.isArray(rewritten.include)) {
      rewritten.include = rewritten.include.filter((entry) => kept.has(entry) || typeof entry !== "string" || !NEXT_TYPES_INCLUDE.test(entry));
    }
    if (JSON.stringify(original) !== JSON.stringify(rewritten)) return "left";
  } catch {
    return "left";
  }
  writeFileSync(file, before);
  return "restored";
}

export interface NextServerOptions {
  port: number;
  databaseUrl: string;
  /** The build to serve (NEXT_DIST_DIR), relative to the repository root. */
  distDir: string;
  /** More environment for the server (e.g. DATABASE_POOL_MAX). */
  env?: Record<string, string>;
  /** Node flags before the Next binary, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

/** Spawns a server (`args` after node's own flags) with npm start's NODE_OPTIONS, and waits until it listens on `port`. */
async function spawnServer(args: string[], options: Omit<NextServerOptions, "distDir">, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    cwd: process.cwd(),
    env: { ...process.env, DATABASE_URL: options.databaseUrl, PORT: String(options.port), NODE_ENV: "production", NODE_OPTIONS: serverNodeOptions(), ...env, ...options.env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitForPort(options.port, child);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return child;
}

/**
 * A benchmark's own server script (route handlers behind serveRouteHandlers),
 * run as the app would be: `--conditions=react-server` so modules marked
 * `server-only` load outside Next, npm start's NODE_OPTIONS; once it listens.
 */
export function startRouteServer(script: string, options: Omit<NextServerOptions, "distDir">): Promise<ChildProcess> {
  return spawnServer(["--conditions=react-server", "--import", "tsx", path.join(process.cwd(), script)], options);
}

/** `next start` on 127.0.0.1:`port` as `npm start` runs it (production, npm start's NODE_OPTIONS), once it listens. */
export function startNextServer(options: NextServerOptions): Promise<ChildProcess> {
  return spawnServer([path.join(process.cwd(), NEXT_BIN), "start", "-p", String(options.port), "-H", "127.0.0.1"], options, {
    NEXT_DIST_DIR: options.distDir,
    AUTH_SECRET: "bench-only-secret-0123456789abcdefghijklmnop",
    NEXT_TELEMETRY_DISABLED: "1",
  });
}

/**
 * Waits until these periodic jobs have finished their first tick on a freshly
 * started server (JobState.lastFinishedAt at or after `since`), then `settleMs`.
 * Those first ticks load the query compiler and run every job at once — a
 * startup transient of a few hundred milliseconds that a long-running server
 * pays once; measured phases should not start inside it.
 */
export async function waitForFirstJobTicks(client: pg.Client, since: Date, jobs: readonly string[], { timeoutMs = 60_000, settleMs = 3_000 } = {}): Promise<number> {
  const started = Date.now();
  for (;;) {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "JobState" WHERE "name" = ANY($1) AND "lastFinishedAt" >= $2::timestamp`, [
      [...jobs],
      since.toISOString(),
    ]);
    if (rows[0]!.n >= jobs.length) break;
    if (Date.now() - started > timeoutMs) throw new Error(`only ${rows[0]!.n} of ${jobs.length} jobs ticked within ${timeoutMs / 1000} s of the server's start`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return Date.now() - started;
}

/**
 * The disk's own flush latency, as a baseline for anything that waits for a
 * commit to be durable: 8 KiB written and `fdatasync`ed (what a WAL flush
 * does) one after another for `seconds`, in a file under `dir` (the database's
 * disk). Blocks this process while it runs: call it between phases.
 */
export function measureDiskFlush(dir: string, seconds: number): { samples: number[]; over50ms: number } {
  const file = path.join(dir, `flush-baseline-${process.pid}.bin`);
  const fd = openSync(file, "w", 0o600);
  const block = Buffer.alloc(8192, 1);
  const samples: number[] = [];
  try {
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      writeSync(fd, block);
      const t = performance.now();
      fdatasyncSync(fd);
      samples.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    unlinkSync(file);
  }
  samples.sort((a, b) => a - b);
  return { samples, over50ms: samples.filter((s) => s > 50).length };
}
