/**
 * `npm test`: every suite, in order of cost, and one last line
 * `N passed, N failed` summing them all (CI reads only that line).
 *   lint (ESLint) · types (tsc) · unit + integration (Vitest, embedded PostgreSQL)
 *   · migrations check · end-to-end (Playwright in Chromium, real server)
 * Pass suite names to run only some: `npm test -- unit integration`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { CHROMIUM_HINT, findChromium } from "./lib/chromium";

type Tally = { passed: number; failed: number; skipped: number };
const totals: Tally = { passed: 0, failed: 0, skipped: 0 };
const lines: string[] = [];

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code) => resolve(code ?? 1));
    child.on("error", () => resolve(1));
  });
}

function record(suite: string, tally: Tally) {
  totals.passed += tally.passed;
  totals.failed += tally.failed;
  totals.skipped += tally.skipped;
  lines.push(`${suite.padEnd(12)} ${tally.passed} passed, ${tally.failed} failed${tally.skipped ? `, ${tally.skipped} skipped` : ""}`);
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

const npx = (bin: string) => `node_modules/.bin/${bin}`;

async function check(suite: string, command: string, args: string[]) {
  console.log(`\n── ${suite} ──`);
  const code = await run(command, args);
  record(suite, code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 });
}

async function vitest(project: "unit" | "integration") {
  console.log(`\n── ${project} ──`);
  const out = `test-results/vitest-${project}.json`;
  rmSync(out, { force: true });
  const code = await run(npx("vitest"), ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile=${out}`]);
  const report = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }>(out);
  if (!report) return record(project, { passed: 0, failed: 1, skipped: 0 });
  const failed = report.numFailedTests + (code !== 0 && report.numFailedTests === 0 ? 1 : 0);
  record(project, { passed: report.numPassedTests, failed, skipped: report.numPendingTests + report.numTodoTests });
}

async function e2e() {
  console.log("\n── e2e ──");
  if (!findChromium()) {
    console.log(CHROMIUM_HINT);
    return record("e2e", { passed: 0, failed: 1, skipped: 0 });
  }
  const out = "test-results/e2e.json";
  rmSync(out, { force: true });
  const code = await run(npx("playwright"), ["test"]);
  const report = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(out);
  if (!report) return record("e2e", { passed: 0, failed: 1, skipped: 0 });
  const { expected, unexpected, flaky, skipped } = report.stats;
  record("e2e", { passed: expected + flaky, failed: unexpected + (code !== 0 && unexpected === 0 ? 1 : 0), skipped });
}

const SUITES: Record<string, () => Promise<void>> = {
  lint: () => check("lint", npx("eslint"), ["--max-warnings", "0", "."]),
  types: () => check("types", npx("tsc"), ["--noEmit"]),
  unit: () => vitest("unit"),
  integration: () => vitest("integration"),
  e2e,
};

async function main() {
  mkdirSync("test-results", { recursive: true });
  if (!existsSync("lib/generated/prisma/client.ts")) await run(npx("prisma"), ["generate"]);
  const wanted = process.argv.slice(2).filter((a) => a in SUITES);
  for (const name of wanted.length ? wanted : Object.keys(SUITES)) await SUITES[name]!();
  console.log("\n── summary ──");
  for (const line of lines) console.log(line);
  console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

void main();
