import { describe, expect, it } from "vitest";
import { createRedactor } from "@/lib/redaction/redactor";
import { redactStep, redactSteps } from "./redact-step";
import { stepDraft } from "@/tests/factories/step-draft";
import type { StepDraft } from "./types";

const redactor = createRedactor({ enabled: true, builtins: {}, custom: [] });

const step = (content: string): StepDraft =>
  stepDraft({
    spanId: "b7ad6b7169203331",
    kind: "LLM_CALL",
    name: "chat for jane.doe@example.com",
    model: "gpt-4o",
    inputTokens: 1,
    outputTokens: 1,
    inputMessages: [{ role: "user", content }],
    attributes: { note: content },
  });

describe("redactSteps", () => {
  it("redacts long texts ahead, with pauses, to exactly what the synchronous walk gives", async () => {
    const long = `${"The supplier confirmed the delivery. ".repeat(4000)} write to jane.doe@example.com or call +44 20 7946 0958`;
    expect(long.length).toBeGreaterThan(64 * 1024);
    const [asynchronous] = await redactSteps([step(long)], redactor);
    const synchronous = redactStep(step(long), redactor);
    expect(asynchronous).toEqual(synchronous);
    expect(JSON.stringify(asynchronous!.step)).not.toContain("jane.doe@example.com");
    expect(asynchronous!.redactions).toBe(5); // name, and e-mail + phone twice (message and attribute)
  });
});
