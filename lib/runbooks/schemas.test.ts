/** Runbook edits' validation: limits, NUL, line endings, wrong types, the form's fields. */
import { describe, expect, it } from "vitest";
import { RUNBOOK_MAX_CHARS, RUNBOOK_MESSAGE_MAX_CHARS, runbookBodySchema, runbookFormInput, runbookMessageSchema, updateAgentRunbookSchema } from "./schemas";

const AGENT = "c" + "a".repeat(24);

function form(fields: Record<string, string | Blob>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

describe("runbookBodySchema", () => {
  it("keeps markdown, normalises CRLF and trims blank lead-in and trailing whitespace", () => {
    expect(runbookBodySchema.parse("\r\n\n# Check\r\n\r\n- the ledger\r\n  \n")).toBe("# Check\n\n- the ledger");
    // Indentation of the first line is meaningful in markdown (a code block): kept.
    expect(runbookBodySchema.parse("    kubectl get pods")).toBe("    kubectl get pods");
  });

  it("accepts the limit and refuses one character more (counted after CRLF → LF)", () => {
    expect(runbookBodySchema.parse("x".repeat(RUNBOOK_MAX_CHARS))).toHaveLength(RUNBOOK_MAX_CHARS);
    expect(runbookBodySchema.safeParse("x".repeat(RUNBOOK_MAX_CHARS + 1)).success).toBe(false);
    // What a textarea with maxLength=20,000 sends: 10,000 line breaks as CRLF.
    expect(runbookBodySchema.safeParse("x\r\n".repeat(RUNBOOK_MAX_CHARS / 2)).success).toBe(true);
    expect(runbookBodySchema.safeParse("x".repeat(1_000_000)).success).toBe(false);
  });

  it("refuses NUL and anything but a string", () => {
    expect(runbookBodySchema.safeParse("call\u0000me").error?.issues[0]?.message).toMatch(/NUL/);
    for (const bad of [null, undefined, 42, ["a"], { body: "a" }, true]) expect(runbookBodySchema.safeParse(bad).success, String(bad)).toBe(false);
  });

  it("accepts an empty body (clears the runbook)", () => {
    expect(runbookBodySchema.parse("  \n\n ")).toBe("");
  });
});

describe("runbookMessageSchema", () => {
  it("trims, turns empty into null, refuses NUL and overlong messages", () => {
    expect(runbookMessageSchema.parse("  new on-call number  ")).toBe("new on-call number");
    expect(runbookMessageSchema.parse("   ")).toBeNull();
    expect(runbookMessageSchema.safeParse("a\u0000b").success).toBe(false);
    expect(runbookMessageSchema.safeParse("m".repeat(RUNBOOK_MESSAGE_MAX_CHARS + 1)).success).toBe(false);
    expect(runbookMessageSchema.safeParse(7).success).toBe(false);
  });
});

describe("updateAgentRunbookSchema and the form", () => {
  it("reads the form's fields", () => {
    const parsed = updateAgentRunbookSchema.parse(runbookFormInput(form({ agentId: AGENT, body: "# Check", message: "", baseVersion: "3" })));
    expect(parsed).toEqual({ agentId: AGENT, body: "# Check", message: null, baseVersion: 3 });
    expect(updateAgentRunbookSchema.parse(runbookFormInput(form({ agentId: AGENT, body: "x", baseVersion: "" })))).toEqual({ agentId: AGENT, body: "x", message: null, baseVersion: undefined });
  });

  it("refuses a file where text belongs, a missing body, bad ids and versions, unknown fields", () => {
    const file = new Blob(["# not text"], { type: "text/markdown" });
    expect(updateAgentRunbookSchema.safeParse(runbookFormInput(form({ agentId: AGENT, body: file }))).success).toBe(false);
    expect(updateAgentRunbookSchema.safeParse(runbookFormInput(form({ agentId: AGENT, body: "x", message: file }))).success).toBe(false);
    expect(updateAgentRunbookSchema.safeParse(runbookFormInput(form({ agentId: AGENT }))).success).toBe(false);
    for (const agentId of ["", "agent-1", "c" + "A".repeat(24), "c" + "a".repeat(40), "' OR 1=1 --"]) {
      expect(updateAgentRunbookSchema.safeParse({ agentId, body: "x" }).success, agentId).toBe(false);
    }
    for (const baseVersion of ["-1", "1.5", "1e3", "9999999999", "one"]) {
      expect(updateAgentRunbookSchema.safeParse({ agentId: AGENT, body: "x", baseVersion }).success, baseVersion).toBe(false);
    }
    expect(updateAgentRunbookSchema.safeParse({ agentId: AGENT, body: "x", createdById: "someone" }).success).toBe(false);
  });
});
