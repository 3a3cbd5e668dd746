/** Runs the Prisma CLI (wasm engines, offline) with a given DATABASE_URL. */
import { spawn } from "node:child_process";
import path from "node:path";

// npm scripts, Vitest and Playwright all run from the project root.
const root = process.cwd();

export function runPrisma(args: string[], databaseUrl: string, { capture = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--require", path.join(root, "scripts/unref-long-timers.cjs"), path.join(root, "node_modules/prisma/build/index.js"), ...args],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
        stdio: ["ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"],
      },
    );
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`prisma ${args.join(" ")} failed (exit ${code})${err ? `:\n${err}` : ""}`));
    });
  });
}

export function migrateDeploy(databaseUrl: string, quiet = false): Promise<string> {
  return runPrisma(["migrate", "deploy"], databaseUrl, { capture: quiet });
}
