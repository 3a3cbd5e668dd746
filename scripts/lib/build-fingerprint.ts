/**
 * A fingerprint of the sources a production build depends on, so `npm start`
 * rebuilds when (and only when) the code changed since the last build.
 */
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const INPUT_DIRS = ["app", "components", "lib", "prisma", "public"];
const INPUT_FILES = ["package.json", "package-lock.json", "next.config.js", "postcss.config.mjs", "tsconfig.json", "proxy.ts", "instrumentation.ts"];
const SKIP = /(^|\/)(generated|node_modules)(\/|$)|\.test\.tsx?$/;

function walk(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (SKIP.test(p)) continue;
    if (entry.isDirectory()) walk(p, out);
    else out.push(p);
  }
}

export function buildFingerprint(root: string): string {
  const files: string[] = [];
  for (const d of INPUT_DIRS) walk(path.join(root, d), files);
  for (const f of INPUT_FILES) files.push(path.join(root, f));
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    try {
      const s = statSync(file);
      hash.update(`${path.relative(root, file)}:${s.size}:${s.mtimeMs}\n`);
    } catch {
      hash.update(`${file}:missing\n`);
    }
  }
  return hash.digest("hex");
}
