/**
 * Redaction configured through its audited service functions, then applied by
 * the real ingestion before anything is stored.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Actor } from "@/lib/audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { otlpRequest, randomSpanId, randomTraceId } from "@/tests/factories/otlp";
import { ingestOtlpJson } from "../telemetry/ingest";
import { loadRedactor, REDACTION_ENABLED_KEY } from "./redactor";
import { createCustomRule, deleteCustomRule, setBuiltinDetectors, setCustomRuleEnabled, setRedactionEnabled } from "./commands";

const admin: Actor = { type: "SYSTEM", label: "redaction test" };
const ruleName = `Employee ID ${Date.now()}`;

afterAll(async () => {
  // Other test files expect the default: redaction off, every detector on, no custom rules.
  await db.setting.deleteMany({ where: { key: REDACTION_ENABLED_KEY } });
  await db.redactionRule.deleteMany({});
});

async function ingestMessage(content: string, args: Record<string, string>) {
  const traceId = randomTraceId();
  const start = new Date(Date.now() - 60_000);
  const result = await ingestOtlpJson(
    admin,
    otlpRequest([
      {
        traceId,
        spanId: randomSpanId(),
        parentSpanId: randomSpanId(),
        name: "chat gpt-4o-mini",
        start,
        end: new Date(start.getTime() + 800),
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.request.model": "gpt-4o-mini",
          "gen_ai.usage.input_tokens": 100,
          "gen_ai.usage.output_tokens": 20,
          "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content }] }]),
        },
      },
      {
        traceId,
        spanId: randomSpanId(),
        parentSpanId: randomSpanId(),
        name: "execute_tool email.send",
        start,
        end: new Date(start.getTime() + 300),
        attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "email.send", "gen_ai.tool.call.arguments": JSON.stringify(args) },
      },
    ]),
  );
  expect(result.rejectedSpans).toBe(0);
  return db.step.findMany({ where: { traceId }, orderBy: { name: "asc" } });
}

describe("redaction settings", () => {
  it("is off by default: ingestion stores messages as sent", async () => {
    expect((await loadRedactor(db)).enabled).toBe(false);
    const [chat] = await ingestMessage("Mail jane.doe@example.com", { to: "jane.doe@example.com" });
    expect(JSON.stringify(chat!.inputMessages)).toContain("jane.doe@example.com");
    expect(chat!.redactions).toBe(0);
  });

  it("refuses a catastrophic custom pattern and an invalid one, with a reason", async () => {
    await expect(createCustomRule(admin, { ruleName: "bad", rulePattern: "^(a|a)*b$" })).rejects.toThrow(AppError);
    await expect(createCustomRule(admin, { ruleName: "bad", rulePattern: "^(a|a)*b$" })).rejects.toThrow(/alternatives that can match the same text/);
    await expect(createCustomRule(admin, { ruleName: "bad", rulePattern: "([a-z" })).rejects.toThrow(/Not a valid regular expression/);
    expect(await db.redactionRule.count({ where: { name: "bad" } })).toBe(0);
  });

  it("when switched on, redacts messages and tool arguments before storage with typed markers, counted on the step", async () => {
    await setRedactionEnabled(admin, true);
    const rule = await createCustomRule(admin, { ruleName, rulePattern: "EMP-\\d{6}" });
    await setBuiltinDetectors(admin, ["EMAIL", "CARD", "IBAN", "SECRET"]); // phone numbers off

    const [chat, tool] = await ingestMessage("I am EMP-004211, card 4111 1111 1111 1111, call +44 20 7946 0958", {
      to: "orders@nordic-metalworks.se",
      iban: "DE89 3704 0044 0532 0130 00",
      note: "order 4111111111111112",
    });
    const message = JSON.stringify(chat!.inputMessages);
    expect(message).toContain("[REDACTED:EMPLOYEE_ID_");
    expect(message).toContain("[REDACTED:CARD]");
    expect(message).toContain("+44 20 7946 0958"); // phone detector switched off
    expect(chat!.redactions).toBe(2);
    expect(tool!.arguments).toEqual({ to: "[REDACTED:EMAIL]", iban: "[REDACTED:IBAN]", note: "order 4111111111111112" });
    expect(tool!.redactions).toBe(2);

    await setCustomRuleEnabled(admin, rule.id, false);
    const [again] = await ingestMessage("I am EMP-004211", {});
    expect(JSON.stringify(again!.inputMessages)).toContain("EMP-004211");

    await deleteCustomRule(admin, rule.id);
    await setRedactionEnabled(admin, false);
    expect((await loadRedactor(db)).enabled).toBe(false);
  });

  it("audits every change with before and after", async () => {
    const events = await db.auditEvent.findMany({
      where: { actorLabel: "redaction test", action: { not: "telemetry.ingest" } },
      orderBy: { seq: "asc" },
      select: { action: true, before: true, after: true },
    });
    expect(events.map((e) => e.action)).toEqual([
      "setting.update",
      "redaction_rule.create",
      "redaction_builtins.update",
      "redaction_rule.update",
      "redaction_rule.delete",
      "setting.update",
    ]);
    expect(events[0]).toMatchObject({ before: { value: false }, after: { value: true } });
    expect(events[2]!.after).toEqual({ SECRET: true, EMAIL: true, IBAN: true, CARD: true, PHONE: false });
    expect(events[3]).toMatchObject({ before: { enabled: true }, after: { enabled: false } });
  });
});
