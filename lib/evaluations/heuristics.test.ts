import { describe, expect, it, vi } from "vitest";
import { compileEvaluators, evaluateOutput, evaluatorSchema, outputText, validateSchema } from "./heuristics";

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

describe("regex evaluators cannot stall ingestion", () => {
  it("refuses a catastrophic pattern where configurations are validated, with the reason", () => {
    const parsed = evaluatorSchema.safeParse({ type: "regex", pattern: "^(a+)+$", mode: "avoid" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ["pattern"], message: expect.stringContaining("exponentially") });
    expect(evaluatorSchema.safeParse({ type: "regex", pattern: "(a|a)*b", flags: "i" }).success).toBe(false);
    expect(evaluatorSchema.safeParse({ type: "regex", pattern: "\\b\\d+ days", mode: "avoid" }).success).toBe(true);
  });

  it("skips a stored unsafe pattern at run time with a recorded reason, never running it", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // Stored before the guard: on this output the regex itself would run for hours.
    const config = [{ type: "regex", pattern: "^(\\w+\\s?)+$", mode: "match", name: "one-line" }, { type: "maxLength", max: 10 }];
    const { evaluators, skipped, problems } = compileEvaluators(config);
    expect(evaluators.map((e) => e.name)).toEqual(["max-length"]);
    expect(skipped).toBe(1);
    expect(problems).toEqual([expect.stringMatching(/^evaluator 1 skipped: pattern: A repeated group contains another repetition/)]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("evaluator 1 skipped"));
    compileEvaluators(config);
    expect(warn).toHaveBeenCalledTimes(1); // once per distinct problem, not per batch
    warn.mockRestore();
    expect(evaluateOutput(evaluators, { text: `${"word ".repeat(5000)}!`, redactions: 0 })[0]).toMatchObject({ passed: false });
  });

  it("runs an accepted but quadratic pattern in bounded windows: the outcome, not the time", () => {
    // `\d+ days` rescans a run of digits from each of its positions: 3–7 s for these 49,990 digits unbounded,
    // per evaluator and per output (an agent with these three took over 8 s for one step).
    const digits = "7".repeat(49_990);
    const units = ["days", "weeks", "months"].map((unit) => ({ type: "regex", pattern: `\\d+ ${unit}`, mode: "avoid" }));
    expect(run(units, digits).map((r) => r.passed)).toEqual([true, true, true]);
    expect(run([{ type: "regex", pattern: "\\d+ days", mode: "avoid" }], `${digits} days`)[0]!.passed).toBe(false);
    // Anchors keep their meaning on long outputs.
    expect(run([{ type: "regex", pattern: "^Dear" }], `Dear ${"x ".repeat(20_000)}`)[0]!.passed).toBe(true);
    expect(run([{ type: "regex", pattern: "^x" }], `Dear ${"x ".repeat(20_000)}`)[0]!.passed).toBe(false);
  });
});
