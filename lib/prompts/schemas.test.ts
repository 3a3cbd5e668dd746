/** Validation of prompt names and version bodies, the stored template form, and placeholders. */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  loadTemplate,
  newPromptVersionSchema,
  promptNameSchema,
  promptQuerySchema,
  promptVersionFormSchema,
  RESERVED_PROMPT_NAMES,
  storeTemplate,
  templatePlaceholders,
  templateText,
} from "./schemas";

const paths = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => (r.error?.issues ?? []).map((i) => i.path.join("."));

describe("prompt names", () => {
  it("accepts slugs up to 100 characters and refuses others", () => {
    expect(promptNameSchema.safeParse("support-triage.v2_x").success).toBe(true);
    expect(promptNameSchema.safeParse("a".repeat(100)).success).toBe(true);
    for (const bad of ["", "a".repeat(101), "Support", "-lead", "with space", "a/b", "é"]) expect(promptNameSchema.safeParse(bad).success).toBe(false);
  });

  it("refuses `log`, the Prompt log's own page, saying why", () => {
    for (const name of ["log", " log "]) {
      const result = promptNameSchema.safeParse(name);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.message)).toEqual(["“log” is reserved: /prompts/log is the Prompt log. Choose another name, e.g. log-prompt."]);
    }
    for (const near of ["logs", "log-prompt", "prompt-log", "log.v2", "constructor", "tostring"]) expect(promptNameSchema.safeParse(near).success).toBe(true);
  });

  it("reserves every page the console has under /prompts", () => {
    const dir = path.resolve(import.meta.dirname, "../../app/(console)/prompts");
    const pages = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith("[")).map((e) => e.name);
    expect(pages.sort()).toEqual(Object.keys(RESERVED_PROMPT_NAMES).sort());
  });

  it("refuses `log` in the console's New prompt form, on its name field", () => {
    const form = promptVersionFormSchema.safeParse({ name: "log", format: "text", template: "t", config: "", message: "m" });
    expect(paths(form)).toEqual(["name"]);
  });
});

describe("new version body", () => {
  it("accepts a text template and a chat list, defaulting config to {}", () => {
    const text = newPromptVersionSchema.parse({ template: "Hi {{name}}", message: "first" });
    expect(text).toEqual({ template: "Hi {{name}}", config: {}, message: "first" });
    const chat = newPromptVersionSchema.parse({
      template: [
        { role: "system", content: "You are {{persona}}." },
        { role: "user", content: "{{question}}" },
      ],
      config: { model: "gpt-4o", temperature: 0.2, maxTokens: 512, tools: [{ name: "lookup" }], seed: 7 },
      message: " why ",
    });
    expect(chat.config).toEqual({ model: "gpt-4o", temperature: 0.2, maxTokens: 512, tools: [{ name: "lookup" }], seed: 7 });
    expect(chat.message).toBe("why");
  });

  it("names the field that is wrong", () => {
    expect(paths(newPromptVersionSchema.safeParse({ template: "x", config: { temperature: 3 }, message: "m" }))).toEqual(["config.temperature"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: "x", config: { maxTokens: 1.5 }, message: "m" }))).toEqual(["config.maxTokens"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: "x", config: { maxTokens: 1_000_001 }, message: "m" }))).toEqual(["config.maxTokens"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: "x", config: { tools: "no" }, message: "m" }))).toEqual(["config.tools"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: "x", config: [], message: "m" }))).toEqual(["config"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: "x", message: "" }))).toEqual(["message"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: "x" }))).toEqual(["message"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: "x", message: "m".repeat(501) }))).toEqual(["message"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: "   ", message: "m" }))).toEqual(["template"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: [{ role: "robot", content: "x" }], message: "m" }))).toEqual(["template"]);
    expect(paths(newPromptVersionSchema.safeParse({ template: "x", message: "m", extra: 1 }))).toEqual([""]);
  });

  it("limits chat lists to 200 messages and templates to 100 kB", () => {
    const msg = { role: "user", content: "x" };
    expect(newPromptVersionSchema.safeParse({ template: Array(200).fill(msg), message: "m" }).success).toBe(true);
    expect(newPromptVersionSchema.safeParse({ template: Array(201).fill(msg), message: "m" }).success).toBe(false);
    expect(newPromptVersionSchema.safeParse({ template: [], message: "m" }).success).toBe(false);
    expect(newPromptVersionSchema.safeParse({ template: "a".repeat(100_000), message: "m" }).success).toBe(true);
    expect(newPromptVersionSchema.safeParse({ template: "a".repeat(100_001), message: "m" }).success).toBe(false);
    expect(newPromptVersionSchema.safeParse({ template: "é".repeat(50_001), message: "m" }).success).toBe(false);
    const big = Array(2).fill({ role: "user", content: "a".repeat(50_001) });
    expect(newPromptVersionSchema.safeParse({ template: big, message: "m" }).success).toBe(false);
  });

  it("refuses a text template that is a chat list in JSON, so the stored form reads back unambiguously", () => {
    const json = JSON.stringify([{ role: "user", content: "hi" }]);
    expect(paths(newPromptVersionSchema.safeParse({ template: json, message: "m" }))).toEqual(["template"]);
    expect(newPromptVersionSchema.safeParse({ template: "[not json] text", message: "m" }).success).toBe(true);
  });
});

describe("stored templates", () => {
  it("round-trips text and chat", () => {
    const chat = [{ role: "system" as const, content: "a" }];
    expect(loadTemplate(storeTemplate("[draft] hello"))).toBe("[draft] hello");
    expect(loadTemplate(storeTemplate(chat))).toEqual(chat);
    expect(templateText(chat)).toBe("### system\na");
  });
});

describe("placeholders", () => {
  it("lists distinct {{variables}} in order of first appearance", () => {
    expect(templatePlaceholders("Hi {{ name }}, about {{topic}} — {{name}} {{ not valid }} {{a.b}} {{_x-1}} {x}")).toEqual(["name", "topic", "a.b", "_x-1"]);
    expect(
      templatePlaceholders([
        { role: "system", content: "{{persona}}" },
        { role: "user", content: "{{question}} {{persona}}" },
      ]),
    ).toEqual(["persona", "question"]);
    expect(templatePlaceholders("none")).toEqual([]);
  });
});

describe("form and query", () => {
  const form = (over: Record<string, string>) => promptVersionFormSchema.safeParse({ name: "p", format: "text", template: "t", config: "", message: "m", ...over });

  it("parses JSON fields of the form and names the field when they are not JSON", () => {
    const ok = form({ format: "chat", template: '[{"role":"user","content":"q"}]', config: '{"model":"m"}' });
    expect(ok.success && ok.data).toEqual({ name: "p", template: [{ role: "user", content: "q" }], config: { model: "m" }, message: "m" });
    expect(paths(form({ config: "{nope" }))).toEqual(["config"]);
    expect(paths(form({ format: "chat", template: "plain" }))).toEqual(["template"]);
    expect(paths(form({ format: "chat", template: '"a string"' }))).toEqual(["template"]);
    expect(paths(form({ name: "Bad Name", message: "" })).sort()).toEqual(["message", "name"]);
  });

  it("takes a label or a version, not both", () => {
    expect(promptQuerySchema.parse({ version: "3" })).toEqual({ version: 3 });
    expect(promptQuerySchema.parse({ label: "production" })).toEqual({ label: "production" });
    for (const bad of [{ version: "0" }, { version: "x" }, { version: "1.5" }, { label: "Prod!" }, { label: "production", version: "1" }]) {
      expect(promptQuerySchema.safeParse(bad).success).toBe(false);
    }
  });
});
