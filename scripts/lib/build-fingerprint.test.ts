import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildFingerprint } from "./build-fingerprint";

let root: string;
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
};

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "fd-fingerprint-"));
  write("package.json", "{}");
  write("app/page.tsx", "export default function Page() { return null; }");
  write("lib/area/service.ts", "export const a = 1;");
  write("lib/area/service.test.ts", "// test");
  write("lib/generated/prisma/client.ts", "// generated");
  write("e2e/journey.spec.ts", "// e2e");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("buildFingerprint (npm start rebuilds only when the app's sources changed)", () => {
  it("is stable while nothing changes", () => {
    expect(buildFingerprint(root)).toBe(buildFingerprint(root));
  });

  it("changes when a source file changes, or one is added", () => {
    const before = buildFingerprint(root);
    write("lib/area/service.ts", "export const a = 12;");
    const edited = buildFingerprint(root);
    expect(edited).not.toBe(before);
    write("components/new.tsx", "export {}");
    expect(buildFingerprint(root)).not.toBe(edited);
  });

  it("changes when the dependencies change", () => {
    const before = buildFingerprint(root);
    write("package-lock.json", '{"lockfileVersion":3}');
    expect(buildFingerprint(root)).not.toBe(before);
  });

  it("ignores tests, generated code and files outside the app", () => {
    const before = buildFingerprint(root);
    write("lib/area/service.test.ts", "// a longer test file than before");
    write("lib/area/service.int.test.ts", "// integration");
    write("lib/generated/prisma/client.ts", "// regenerated, longer than before");
    write("e2e/journey.spec.ts", "// another journey, longer");
    write("scripts/tool.ts", "// a CLI");
    expect(buildFingerprint(root)).toBe(before);
  });
});
