/**
 * The audit catalogue holds: every action is `area.verb`, listed once; every
 * command declares an action from it; and audit events are appended only
 * through commands (lib/commands), the ingestion pipeline and the chain itself.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_ACTION_GRAMMAR, AUDIT_ACTIONS, isAuditAction } from "./actions";

const ROOT = path.resolve(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) {
      if (name !== "generated" && name !== "node_modules") out.push(...sourceFiles(rel));
    } else if (/\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name)) {
      out.push(rel);
    }
  }
  return out;
}

const SOURCES = ["lib", "app", "prisma", "scripts", "components"].flatMap(sourceFiles);

describe("audit action catalogue", () => {
  it("lists each action once, every one `area.verb` in snake_case", () => {
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
    for (const action of AUDIT_ACTIONS) expect(action, action).toMatch(AUDIT_ACTION_GRAMMAR);
    expect("prompt_label.move").toMatch(AUDIT_ACTION_GRAMMAR);
    for (const bad of ["run.outcome.record", "Prompt.move", "prompt-label.move", "prompt_label.", "move"]) expect(bad).not.toMatch(AUDIT_ACTION_GRAMMAR);
  });

  it("every command in the code declares an action from the catalogue", async () => {
    const commandModules = SOURCES.filter((f) => /(^|\/)commands\.ts$/.test(f) && f !== path.join("lib", "commands", "index.ts"));
    expect(commandModules.length).toBeGreaterThan(4);
    const { COMMANDS } = await import("@/lib/commands");
    for (const file of commandModules) await import(/* @vite-ignore */ path.join(ROOT, file));
    expect(COMMANDS.length).toBeGreaterThan(10);
    for (const command of COMMANDS) expect(isAuditAction(command.action), command.action).toBe(true);
    // Actions chosen at run time (`audit.action`) and those declared, as written in the code.
    for (const file of commandModules) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      for (const match of text.matchAll(/defineCommand\(\s*"([^"]+)"|action: (?:[^"\n]*\? )?"([a-z_.]+)"(?: : "([a-z_.]+)")?/g)) {
        for (const action of match.slice(1).filter(Boolean)) expect(isAuditAction(action), `${file}: ${action}`).toBe(true);
      }
    }
  });

  it("audit events are appended only by commands, the ingestion pipeline and the audit module", () => {
    const allowed = new Set([
      path.join("lib", "audit", "index.ts"),
      path.join("lib", "commands", "index.ts"),
      path.join("lib", "telemetry", "pipeline.ts"),
    ]);
    const appending = SOURCES.filter((f) => /\bappendAudit(On)?\(/.test(readFileSync(path.join(ROOT, f), "utf8")));
    expect(appending.filter((f) => !allowed.has(f))).toEqual([]);
  });
});
