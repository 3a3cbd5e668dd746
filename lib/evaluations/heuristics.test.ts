import { describe, expect, it } from "vitest";
import { compileEvaluators, evaluateOutput, outputText, validateSchema } from "./heuristics";

const run = (config: unknown[], text: string, redactions = 0) => evaluateOutput(compileEvaluators(config).evaluators, { text, redactions });

describe("heuristic evaluators", () => {
  it("checks JSON validity, accepting a fenced block", () => {
    expect(run([{ type: "json" }], '{"a":1}')[0]).toMatchObject({ name: "valid-json", passed: true });
    expect(run([{ type: "json" }], '```json\n{"a":1}\n```')[0]!.passed).toBe(true);
    expect(run([{ type: "json" }], "Sure! {a:1}")[0]).toMatchObject({ passed: false });
  });

  it("validates a JSON schema subset", () => {
    const schema = { type: "object", required: ["action", "amount"], properties: { action: { enum: ["refund", "deny"] }, amount: { type: "number", maximum: 500 } }, additionalProperties: false };
    expect(run([{ type: "jsonSchema", schema }], '{"action":"refund","amount":20}')[0]!.passed).toBe(true);
    const bad = run([{ type: "jsonSchema", schema }], '{"action":"wire","amount":900,"x":1}')[0]!;
    expect(bad.passed).toBe(false);
    expect(bad.comment).toContain("$.action should be one of");
    expect(bad.comment).toContain("$.amount is above 500");
    expect(validateSchema([1, "a"], { type: "array", items: { type: "integer" } }, "$", [])).toEqual(["$[1] should be integer, is string"]);
  });

  it("matches or avoids a pattern, and bounds the length", () => {
    expect(run([{ type: "regex", pattern: "^Dear", mode: "match" }], "Dear customer")[0]!.passed).toBe(true);
    expect(run([{ type: "regex", pattern: "guarantee", flags: "i", mode: "avoid", name: "no-promises" }], "We GUARANTEE it")[0]).toMatchObject({ name: "no-promises", passed: false });
    expect(run([{ type: "maxLength", max: 5 }], "123456")[0]).toMatchObject({ passed: false, comment: "6 characters, over 5" });
  });

  it("detects personal data, including what ingestion already redacted", () => {
    expect(run([{ type: "noPersonalData" }], "Contact jane.doe@example.com")[0]!.passed).toBe(false);
    expect(run([{ type: "noPersonalData" }], "Card 4111 1111 1111 1111")[0]!.passed).toBe(false);
    expect(run([{ type: "noPersonalData" }], "Mail [REDACTED:EMAIL] later", 1)[0]!.passed).toBe(false);
    expect(run([{ type: "noPersonalData" }], "Order 12345 shipped")[0]!.passed).toBe(true);
  });

  it("skips malformed evaluator entries and bad regexes", () => {
    const { evaluators, skipped } = compileEvaluators([{ type: "json" }, { type: "nope" }, { type: "regex", pattern: "(" }, "x"]);
    expect(evaluators.map((e) => e.name)).toEqual(["valid-json"]);
    expect(skipped).toBe(3);
    expect(compileEvaluators(null).evaluators).toEqual([]);
  });

  it("reads output text from GenAI and chat message shapes", () => {
    expect(outputText([{ role: "assistant", parts: [{ type: "text", content: "hi" }] }])).toBe("hi");
    expect(outputText([{ role: "assistant", content: "a" }, { role: "assistant", content: "b" }])).toBe("a\nb");
    expect(outputText("plain")).toBe("plain");
    expect(outputText(null)).toBeNull();
  });
});
