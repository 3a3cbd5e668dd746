import { describe, expect, it } from "vitest";
import { analyzePattern, checkPattern, patternCost, SafeRegex, SLICE_LENGTH, WINDOW_CONTEXT } from "./safe-regex";

describe("checkPattern refuses what can backtrack catastrophically", () => {
  it.each([
    ["(a+)+$", "repeated group"],
    ["(\\w+\\s?)+!", "repeated group"],
    ["(?:\\d+)*z", "repeated group"],
    ["(a?a)+b", "repeated group"], // each repetition takes one or two a's: Fibonacci many splits
    ["(a{1,100}){1,100}x", "repeated group"],
    ["(?:a{1,2}){32}!", "repeated group"], // bounded, but 2^32 ways to split 63 a's
    ["^(a|a)*b$", "alternatives"],
    ["(x|xy)+z", "alternatives"],
    ["(?:ab|a)*c", "alternatives"],
    ["(?:a|)+b", "alternatives"],
    ["((a|ab)(c|bc))+d", "alternatives"],
    ["(a|A)+b/i", "alternatives"], // the same under case folding
    ["(a)\\1+b", "backreference"],
    ["(?<x>a)\\k<x>", "backreference"],
    ["(?=a+b)\\w", "lookahead"],
    ["(?<!\\d+)x", "lookahead"],
    ["\\d+\\d+x", "open-ended"],
    ["\\d+0\\d+x", "open-ended"], // the separator 0 is itself a digit
    [".*=.*;", "open-ended"],
    ["\\w+(?:\\.)?\\w+!", "open-ended"], // an optional separator does not separate
    ["[A-Z]{2,40}[A-Z0-9]{2,40}", "open-ended"],
    ["(?:x+)?x+", "open-ended"],
    ["(?i)abc", "cannot read"],
  ])("%s (%s)", (spec, reason) => {
    const [pattern, flags = ""] = spec.endsWith("/i") ? [spec.slice(0, -2), "i"] : [spec];
    const check = checkPattern(pattern!, flags);
    expect(check.ok).toBe(false);
    if (!check.ok && reason !== "cannot read") expect(check.reason.toLowerCase()).toContain(reason === "lookahead" ? "lookahead" : reason);
  });

  it.each([
    "EMP-\\d{6}",
    "(?:ACME|ACM)-[A-Z]{2}\\d+",
    "(\\d{3}-)+\\d{4}",
    "[(a+)]+",
    "\\(a+\\)+",
    "(?:\\d{1,3}\\.){3}\\d{1,3}", // an IPv4 address: bounded nesting
    "\\b[A-Z]{2}\\d{2}[A-Z0-9]{11,30}\\b",
    "[\\w.+-]+@[\\w-]+\\.[\\w.]+",
    "(?:foo|bar)+",
    "\\bsk-[A-Za-z0-9]{20,}",
    "password\\s*[:=]\\s*\\S+",
    "(?<![\\w-])ORD-\\d+",
    "^Dear",
    "guarantee",
    "\\u{1F600}+",
    "[^\\s]+@x",
    "\\d+x", // accepted, but quadratic: searched in small windows (below)
  ])("accepts %s", (pattern) => {
    expect(checkPattern(pattern, "u".repeat(pattern.includes("\\u{") ? 1 : 0))).toEqual({ ok: true });
  });

  it("still refuses invalid, empty-matching and over-long patterns", () => {
    expect(checkPattern("([a-z")).toMatchObject({ ok: false, reason: expect.stringContaining("Not a valid") });
    expect(checkPattern("\\d*")).toMatchObject({ ok: false, reason: expect.stringContaining("empty string") });
    expect(checkPattern("x".repeat(501))).toMatchObject({ ok: false });
    expect(analyzePattern("a+")).toEqual({ ok: true });
  });
});

describe("patternCost tells quadratic patterns from gated ones", () => {
  it.each([
    ["\\d+x", "quadratic"],
    ["[\\w.+-]+@example\\.com", "quadratic"],
    ["\\b[\\w.+-]+@example\\.com", "quadratic"], // \b does not stop a start after every dot
    ["\\d+ (?:days|weeks)", "quadratic"],
    ["(\\d{3}-)+\\d{4}", "quadratic"],
    ["(?:\\d+x|y)", "quadratic"],
    ["EMP-\\d{6}", "linear"],
    ["EMP-\\d+x", "linear"],
    ["\\b\\d+ days", "linear"],
    ["(?<![\\w.+-])[\\w.+-]+@example\\.com", "linear"],
    ["^\\{[\\s\\S]*\\}$", "linear"],
    ["\\d+", "linear"], // nothing after the run can fail
    ["[A-Z0-9]{11,30}x", "linear"], // bounded: at most 30 steps back per start
  ] as const)("%s is %s", (pattern, cost) => {
    expect(patternCost(pattern)).toBe(cost);
    expect(new SafeRegex(pattern).cost).toBe(cost);
  });
  it("treats ^ as a gate only without the m flag", () => {
    expect(patternCost("^\\d+x")).toBe("linear");
    expect(patternCost("^\\d+x", "m")).toBe("quadratic");
  });
});

describe("SafeRegex matches long strings window by window", () => {
  const long = (n: number) => "lorem ipsum dolor ".repeat(Math.ceil(n / 18)).slice(0, n);

  it("finds the same matches as a plain global regex, across window boundaries", () => {
    const text = long(50_000).replace(/ipsum/g, (m, offset: number) => (offset % 7 === 0 ? "EMP-123456" : m));
    const expected = text.match(/EMP-\d{6}/g)!.length;
    expect(expected).toBeGreaterThan(100);
    const r = new SafeRegex("EMP-\\d{6}").replace(text, () => "[X]");
    expect(r.count).toBe(expected);
    expect(r.text).toBe(text.replace(/EMP-\d{6}/g, "[X]"));
  });

  it("keeps a match that straddles a segment boundary whole", () => {
    const text = `${"x".repeat(SLICE_LENGTH - 3)} EMP-123456 ${"y".repeat(SLICE_LENGTH * 2)}`;
    expect(new SafeRegex("EMP-\\d{6}").replace(text, () => "[X]").text).toBe(text.replace("EMP-123456", "[X]"));
  });

  it("keeps ^ and lookbehinds meaningful in later windows", () => {
    const text = `Dear ${long(20_000)}`;
    expect(new SafeRegex("^lorem").test(text)).toBe(false);
    expect(new SafeRegex("^Dear").test(text)).toBe(true);
    expect(new SafeRegex("(?<=dolor )lorem").replace(text, () => "L").count).toBe(text.match(/(?<=dolor )lorem/g)!.length);
    expect(new SafeRegex("done\\.$").test(`${long(20_000)} done.`)).toBe(true);
  });

  it("bounds a quadratic pattern to O(n · window) on 1 MB: the outcome, not the time", () => {
    // `\d+x` on digits rescans to the end of its input from every position:
    // ~5·10^11 steps on a whole megabyte, a few hundred per character in its small windows.
    const digits = "1".repeat(1_000_000);
    expect(new SafeRegex("\\d+x").test(digits)).toBe(false);
    expect(new SafeRegex("\\d+x").test(`${digits}x`)).toBe(true);
  });

  it("cuts a match longer than its window's context, and handles text exactly one window long", () => {
    const run = "a".repeat(SLICE_LENGTH * 3);
    const r = new SafeRegex("a+").replace(run, () => "[X]");
    expect(r.text).not.toContain("a");
    expect(r.count).toBeGreaterThan(1);
    const exact = "b".repeat(SLICE_LENGTH + WINDOW_CONTEXT);
    expect(new SafeRegex("b+").replace(exact, () => "[X]")).toEqual({ text: "[X]", count: 1 });
  });
});
