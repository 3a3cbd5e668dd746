/**
 * The package as it is published: `tsc -p tsconfig.build.json` writes ESM and
 * declarations into sdk/dist (what `npm test` builds), and plain Node (no
 * TypeScript loader) imports it by its package name, with every export there.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const sdk = path.resolve(import.meta.dirname, "..");
const root = path.resolve(sdk, "..");

describe("the built package", () => {
  it("builds to ESM with type declarations and imports in plain Node by its name", { timeout: 120_000 }, async () => {
    await run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(sdk, "tsconfig.build.json")], { cwd: sdk });
    for (const file of ["index.js", "index.d.ts", "client.d.ts", "errors.js"]) expect(existsSync(path.join(sdk, "dist", file)), file).toBe(true);
    expect(existsSync(path.join(sdk, "dist", "client.test.js"))).toBe(false);
    const script = `const m = await import("@flightdeck/sdk"); console.log(JSON.stringify(Object.keys(m).sort()));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual([
      "AgentStoppedError",
      "BudgetDeniedError",
      "ClearanceExpiredError",
      "ClearanceRejectedError",
      "ClearanceTimeoutError",
      "FlightdeckApiError",
      "FlightdeckError",
      "FlightdeckNetworkError",
      "PromptVariablesError",
      "SPAN_ATTRIBUTES",
      "compileTemplate",
      "createFlightdeck",
    ]);
  });
});
