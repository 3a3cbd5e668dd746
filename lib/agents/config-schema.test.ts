import { describe, expect, it } from "vitest";
import { agentConfigFormSchema, agentConfigSchema } from "./config-schema";

const form = { agent: "invoice-reconciler", model: "gpt-4o", promptName: "invoice-reconcile", promptLabel: "production", allowedTools: "erp.*\nemail.send", authorityLimits: '{ "maxAmountUsd": 5000 }', autonomyLevel: "1", reason: "go-live" };

describe("agent configuration form", () => {
  it("reads tools one per line (or comma separated) and limits as JSON", () => {
    const parsed = agentConfigFormSchema.parse(form);
    expect(parsed.config).toEqual({ model: "gpt-4o", promptName: "invoice-reconcile", promptLabel: "production", allowedTools: ["erp.*", "email.send"], authorityLimits: { maxAmountUsd: 5000 }, autonomyLevel: 1 });
    expect(agentConfigFormSchema.parse({ ...form, allowedTools: "a, b ,c", authorityLimits: "", model: " " }).config).toMatchObject({ allowedTools: ["a", "b", "c"], authorityLimits: {}, model: null });
  });

  const issues = (input: Record<string, string>) => {
    const r = agentConfigFormSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it.each([
    [{ authorityLimits: "{nope" }, "authorityLimits"],
    [{ authorityLimits: '{ "maxAmountUsd": -1 }' }, "config.authorityLimits"],
    [{ authorityLimits: '{ "maxAmountUsd": "lots" }' }, "config.authorityLimits"],
    [{ authorityLimits: '{ "bad key": 1 }' }, "config.authorityLimits"],
    [{ authorityLimits: "[1,2]" }, "config.authorityLimits"],
    [{ autonomyLevel: "9" }, "config.autonomyLevel"],
    [{ autonomyLevel: "" }, "config.autonomyLevel"],
    [{ allowedTools: "rm -rf /" }, "config.allowedTools"],
    [{ promptName: "Not A Name" }, "config.promptName"],
    [{ promptName: "", promptLabel: "production" }, "config.promptName"],
    [{ reason: "" }, "reason"],
  ])("refuses %j, naming the field", (change, field) => {
    const found = issues({ ...form, ...change });
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((i) => i.startsWith(field))).toBe(true);
  });

  it("refuses extra keys and too many tools in the stored shape", () => {
    const ok = agentConfigFormSchema.parse(form).config;
    expect(agentConfigSchema.safeParse({ ...ok, root: true }).success).toBe(false);
    expect(agentConfigSchema.safeParse({ ...ok, allowedTools: Array.from({ length: 201 }, (_, i) => `t${i}`) }).success).toBe(false);
  });
});
