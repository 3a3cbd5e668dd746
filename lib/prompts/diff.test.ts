/** The line diff with word highlights, and the config diff by key. */
import { describe, expect, it } from "vitest";
import { diffConfig, diffLines, diffSequences, diffWords } from "./diff";

const kinds = (before: string, after: string) => diffLines(before, after).map((r) => r.kind);
const changedText = (segments: { text: string; changed: boolean }[]) => segments.filter((s) => s.changed).map((s) => s.text);

describe("diffLines", () => {
  it("keeps equal lines, pairs replaced lines as changed, and shows inserts and deletes", () => {
    expect(kinds("a\nb\nc", "a\nb\nc")).toEqual(["same", "same", "same"]);
    expect(kinds("a\nb\nc", "a\nB\nc")).toEqual(["same", "changed", "same"]);
    expect(kinds("a\nc", "a\nb\nc")).toEqual(["same", "added", "same"]);
    expect(kinds("a\nb\nc", "a\nc")).toEqual(["same", "removed", "same"]);
    expect(kinds("", "x")).toEqual(["added"]);
    expect(kinds("x", "")).toEqual(["removed"]);
    expect(kinds("a\nb", "x\ny\nz")).toEqual(["changed", "changed", "added"]);
  });

  it("numbers lines on each side", () => {
    const rows = diffLines("one\ntwo\nthree", "zero\none\nthree");
    expect(rows.map((r) => [r.left?.line ?? null, r.right?.line ?? null])).toEqual([
      [null, 1],
      [1, 2],
      [2, null],
      [3, 3],
    ]);
  });

  it("highlights the changed words of a changed line", () => {
    const [row] = diffLines("You are a helpful assistant.", "You are a terse assistant.");
    expect(row!.kind).toBe("changed");
    expect(changedText(row!.left!.segments)).toEqual(["helpful"]);
    expect(changedText(row!.right!.segments)).toEqual(["terse"]);
    expect(row!.right!.segments.map((s) => s.text).join("")).toBe("You are a terse assistant.");
  });

  it("treats CRLF like LF", () => {
    expect(kinds("a\r\nb", "a\nb")).toEqual(["same", "same"]);
  });
});

describe("diffWords and diffSequences", () => {
  it("finds a longest common subsequence", () => {
    const ops = diffSequences([..."ABCBDAB"], [..."BDCABA"]);
    expect(ops.filter((o) => o.op === "same").length).toBe(4);
    expect(diffWords("a b", "a b")).toEqual({ left: [{ text: "a b", changed: false }], right: [{ text: "a b", changed: false }] });
  });

  it("falls back to remove-then-add for very large inputs", () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`);
    const ops = diffSequences(a, b);
    expect(ops.length).toBe(6000);
  });
});

describe("diffConfig", () => {
  it("lists added, removed and changed keys in order; equal nested values in another key order are unchanged", () => {
    expect(
      diffConfig(
        { model: "gpt-4o", temperature: 0.2, tools: [{ a: 1, b: 2 }], stop: ["x"] },
        { model: "gpt-4o-mini", maxTokens: 100, tools: [{ b: 2, a: 1 }], stop: ["x"] },
      ),
    ).toEqual([
      { key: "maxTokens", kind: "added", after: 100 },
      { key: "model", kind: "changed", before: "gpt-4o", after: "gpt-4o-mini" },
      { key: "temperature", kind: "removed", before: 0.2 },
    ]);
    expect(diffConfig({}, {})).toEqual([]);
  });
});
