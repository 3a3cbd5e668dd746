/**
 * `npm start` (and `npm run dev` with --dev): zero-configuration start.
 *   1. validate the environment;
 *   2. no DATABASE_URL → start the embedded PostgreSQL with data under .data/;
 *   3. apply migrations; seed demo data into an empty database;
 *   4. build when the sources changed since the last build (not with --dev);
 *   5. serve on PORT (3000). Ctrl-C stops the app first, then the database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { demoEnabled, EnvError, readEnv } from "@/lib/env";
import { DEMO_USERS } from "@/prisma/demo-users";
import { buildFingerprint } from "./lib/build-fingerprint";
import { EMBEDDED_DATA_DIR, startDefaultEmbedded } from "./lib/database";
import type { EmbeddedPostgres } from "./lib/embedded-postgres";
import { migrateDeploy } from "./lib/prisma-cli";
import { serverNodeOptions } from "./lib/server-node-options";

const root = process.cwd();
const dev = process.argv.includes("--dev");
const log = (line: string) => console.log(`[flightdeck] ${line}`);

let database: EmbeddedPostgres | undefined;
let app: ChildProcess | undefined;
/** The agent listener (scripts/agent-listener.ts), when AGENT_PORT is set. */
let agentListener: ChildProcess | undefined;
let stopping = false;

async function stopChild(child: ChildProcess | undefined, name: string): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  log(`stopping the ${name}…`);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.all([stopChild(agentListener, "agent listener"), stopChild(app, "app")]);
    if (database?.owned) {
      log("stopping PostgreSQL…");
      await database.stop();
    }
  }
  process.exit(code);
}

async function authSecret(): Promise<string> {
  const file = path.join(root, ".data/auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("base64url");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, secret + "\n", { mode: 0o600 });
  return secret;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: "inherit" });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

async function main() {
  let env;
  try {
    env = readEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`[flightdeck] ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    log(`no DATABASE_URL: starting the embedded PostgreSQL (data in ${EMBEDDED_DATA_DIR})`);
    const started = await startDefaultEmbedded();
    database = started.pg;
    databaseUrl = started.url;
  } else {
    log("using the PostgreSQL server in DATABASE_URL");
  }
  process.env.DATABASE_URL = databaseUrl;
  if (process.env.FLIGHTDECK_RESET_DATABASE === "1") {
    // Tests only: start from an empty database on every run.
    const { resetDatabase } = await import("./lib/embedded-postgres");
    await resetDatabase(databaseUrl);
  }

  log("applying migrations");
  await migrateDeploy(databaseUrl, true);

  const { seedIfEmpty } = await import("@/prisma/seed");
  const { disconnectDb } = await import("@/lib/db");
  // On the environment as the operator gave it (`env` was read before DATABASE_URL pointed at the embedded database).
  const demo = demoEnabled(env);
  await seedIfEmpty(log, demo);
  await disconnectDb();

  const secret = env.AUTH_SECRET ?? (await authSecret());
  if (!env.AUTH_SECRET && env.DATABASE_URL) {
    log("AUTH_SECRET is not set: using one kept in .data/auth-secret. Give every instance the same AUTH_SECRET when you run several.");
  }
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: secret,
    PORT: String(env.PORT),
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const nextBin = path.join(root, "node_modules/next/dist/bin/next");

  if (!dev) {
    const stampFile = path.join(root, process.env.NEXT_DIST_DIR || ".next", "flightdeck-build-fingerprint");
    const fingerprint = buildFingerprint(root);
    const built = existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === fingerprint;
    if (!built) {
      log("building the console (first start, or the code changed; about a minute)…");
      const code = await run(process.execPath, [nextBin, "build"], { ...childEnv, NODE_ENV: "production" });
      if (code !== 0) {
        console.error("[flightdeck] the build failed; see above.");
        await shutdown(code);
      }
      await writeFile(stampFile, fingerprint + "\n");
    }
  }

  const url = `http://localhost:${env.PORT}`;
  app = spawn(process.execPath, [nextBin, dev ? "dev" : "start", "-p", String(env.PORT)], {
    cwd: root,
    env: { ...childEnv, NODE_ENV: dev ? "development" : "production", NODE_OPTIONS: serverNodeOptions() },
    stdio: "inherit",
  });
  app.on("exit", (code) => {
    if (!stopping) void shutdown(code ?? 1);
  });

  if (env.AGENT_PORT) {
    agentListener = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(root, "scripts/agent-listener.ts")], {
      cwd: root,
      env: { ...childEnv, AGENT_PORT: String(env.AGENT_PORT), NODE_ENV: dev ? "development" : "production", NODE_OPTIONS: serverNodeOptions() },
      stdio: "inherit",
    });
    agentListener.on("exit", (code) => {
      if (!stopping) void shutdown(code ?? 1);
    });
    log(`agents may send budget checks and reservations to port ${env.AGENT_PORT} as well (AGENT_PORT)`);
  }

  log(`Flightdeck is starting at ${url}`);
  if (demo) {
    log("demo accounts (password after the slash; the console asks to change them):");
    for (const u of DEMO_USERS) log(`  ${u.role.padEnd(10)} ${u.email} / ${u.password}`);
  }
}

main().catch(async (error: unknown) => {
  console.error("[flightdeck] start failed:", error instanceof Error ? error.message : error);
  await shutdown(1);
});
