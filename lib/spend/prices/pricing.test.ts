import { describe, expect, it } from "vitest";
import { buildPriceTable, candidateNames, computeCost, type PriceRow } from "./pricing";
import { SEED_PRICES, SEED_PRICES_EFFECTIVE_FROM } from "./seed";

let nextId = 0;
function row(matchPattern: string, input: number, output: number, effectiveFrom: string, cachedInput: number | null = null): PriceRow {
  return {
    id: `p${++nextId}`,
    model: matchPattern,
    matchPattern,
    inputPerMillion: input,
    outputPerMillion: output,
    cachedInputPerMillion: cachedInput,
    effectiveFrom: new Date(effectiveFrom),
  };
}

const at = (iso: string) => new Date(iso);

describe("price table matching", () => {
  const table = buildPriceTable([
    row("gpt-4o", 2.5, 10, "2024-10-01T00:00:00Z", 1.25),
    row("gpt-4o", 5, 15, "2024-05-13T00:00:00Z"),
    row("gpt-4o*", 9, 9, "2024-01-01T00:00:00Z"),
    row("gpt-4o-mini*", 0.15, 0.6, "2024-01-01T00:00:00Z"),
    row("claude-*", 1, 1, "2024-01-01T00:00:00Z"),
    row("claude-3-5-sonnet*", 3, 15, "2024-01-01T00:00:00Z"),
    row("future-model", 1, 2, "2030-01-01T00:00:00Z"),
  ]);

  it("prefers an exact name over a glob that also matches", () => {
    expect(table.find("gpt-4o", at("2025-01-01T00:00:00Z"))?.inputPerMillion).toBe(2.5);
  });

  it("prefers the longer glob over a shorter one", () => {
    expect(table.find("gpt-4o-mini-2024-07-18", at("2025-01-01T00:00:00Z"))?.matchPattern).toBe("gpt-4o-mini*");
    expect(table.find("claude-3-5-sonnet-20241022", at("2025-01-01T00:00:00Z"))?.inputPerMillion).toBe(3);
    expect(table.find("claude-3-opus-20240229", at("2025-01-01T00:00:00Z"))?.matchPattern).toBe("claude-*");
  });

  it("uses the row in force at the span's time: a later row supersedes only after its date", () => {
    expect(table.find("gpt-4o", at("2024-09-30T23:59:59Z"))?.inputPerMillion).toBe(5);
    expect(table.find("gpt-4o", at("2024-10-01T00:00:00Z"))?.inputPerMillion).toBe(2.5);
  });

  it("falls back to a less specific pattern when the specific one is not yet in force", () => {
    expect(table.find("gpt-4o", at("2024-03-01T00:00:00Z"))?.matchPattern).toBe("gpt-4o*");
  });

  it("returns null, never a zero price, for unknown models and before any effective date", () => {
    expect(table.find("acme-llm-13b", at("2025-01-01T00:00:00Z"))).toBeNull();
    expect(table.find("future-model", at("2025-01-01T00:00:00Z"))).toBeNull();
    expect(table.find("", at("2025-01-01T00:00:00Z"))).toBeNull();
  });

  it("matches case-insensitively and treats glob metacharacters literally", () => {
    expect(table.find("GPT-4o", at("2025-01-01T00:00:00Z"))?.inputPerMillion).toBe(2.5);
    const dotted = buildPriceTable([row("gemini-1.5-pro*", 1.25, 5, "2024-01-01T00:00:00Z")]);
    expect(dotted.find("gemini-1x5-pro", at("2025-01-01T00:00:00Z"))).toBeNull();
    expect(dotted.find("gemini-1.5-pro-002", at("2025-01-01T00:00:00Z"))?.outputPerMillion).toBe(5);
  });
});

describe("model names as providers send them", () => {
  it("derives candidate names without provider prefix and date suffix", () => {
    expect(candidateNames("openai/gpt-4o-2024-08-06")).toEqual(["openai/gpt-4o-2024-08-06", "gpt-4o-2024-08-06", "gpt-4o"]);
    expect(candidateNames("us.anthropic.claude-3-5-sonnet-20241022-v2:0")).toContain("claude-3-5-sonnet");
    expect(candidateNames("claude-3-5-sonnet-v2@20241022")).toContain("claude-3-5-sonnet");
  });

  const seeded = buildPriceTable(
    SEED_PRICES.map((p, i) => ({
      id: `s${i}`,
      model: p.model,
      matchPattern: p.matchPattern,
      inputPerMillion: p.input,
      outputPerMillion: p.output,
      cachedInputPerMillion: p.cachedInput,
      effectiveFrom: SEED_PRICES_EFFECTIVE_FROM,
    })),
  );
  const now = at("2026-01-01T00:00:00Z");
  const price = (model: string) => seeded.find(model, now);

  it.each([
    ["gpt-4o-2024-08-06", "gpt-4o", 2.5],
    ["gpt-4o-2024-05-13", "gpt-4o-2024-05-13", 5],
    ["openai/gpt-4o-mini", "gpt-4o-mini", 0.15],
    ["gpt-4o-mini-2024-07-18", "gpt-4o-mini", 0.15],
    ["gpt-4.1-2025-04-14", "gpt-4.1", 2],
    ["gpt-4.1-mini-2025-04-14", "gpt-4.1-mini", 0.4],
    ["o4-mini-2025-04-16", "o4-mini", 1.1],
    ["o3", "o3", 2],
    ["gpt-5-mini-2025-08-07", "gpt-5-mini", 0.25],
    ["claude-3-5-sonnet-20241022", "claude-3-5-sonnet*", 3],
    ["claude-3-5-sonnet-latest", "claude-3-5-sonnet*", 3],
    ["anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku*", 0.25],
    ["claude-sonnet-4-20250514", "claude-sonnet-4*", 3],
    ["claude-opus-4-1-20250805", "claude-opus-4*", 15],
    ["claude-opus-4-5-20251101", "claude-opus-4-5*", 5],
    ["models/gemini-1.5-pro-002", "gemini-1.5-pro*", 1.25],
    ["gemini-2.5-flash", "gemini-2.5-flash*", 0.3],
    ["gemini-2.5-flash-lite-preview-06-17", "gemini-2.5-flash-lite*", 0.1],
    ["gemini-2.0-flash-001", "gemini-2.0-flash*", 0.1],
    ["mistral-large-2411", "mistral-large*", 2],
    ["meta-llama/Llama-3.3-70B-Instruct-Turbo", "llama-3.3-70b-instruct*", 0.88],
    ["llama-3.3-70b-versatile", "llama-3.3-70b-versatile", 0.59],
  ])("%s resolves to %s", (model, pattern, input) => {
    const found = price(model);
    expect(found?.matchPattern).toBe(pattern);
    expect(found?.inputPerMillion).toBe(input);
  });

  it("leaves self-hosted and fine-tuned models unpriced", () => {
    expect(price("acme-llm-13b")).toBeNull();
    expect(price("ft:gpt-4o-mini-2024-07-18:acme:invoices:9xk2")).toBeNull();
  });
});

describe("computeCost", () => {
  const gpt4o = row("gpt-4o", 2.5, 10, "2024-01-01T00:00:00Z", 1.25);

  it("prices uncached input, cached input at the cached rate, and output", () => {
    // 10,000 input of which 4,000 cached, 1,000 output:
    // 6,000 × 2.5 + 4,000 × 1.25 + 1,000 × 10 = 15,000 + 5,000 + 10,000 = 30,000 / 1e6
    expect(computeCost(gpt4o, { inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 1_000 })).toBeCloseTo(0.03, 12);
  });

  it("prices cached tokens at the input rate when the model has no cached rate", () => {
    const noCache = row("gpt-4-turbo", 10, 30, "2024-01-01T00:00:00Z");
    expect(computeCost(noCache, { inputTokens: 1_000, cachedInputTokens: 1_000, outputTokens: 0 })).toBeCloseTo(0.01, 12);
  });

  it("never counts more cached tokens than input tokens, nor negative tokens", () => {
    expect(computeCost(gpt4o, { inputTokens: 100, cachedInputTokens: 500, outputTokens: 0 })).toBeCloseTo(0.000125, 12);
    expect(computeCost(gpt4o, { inputTokens: -5, cachedInputTokens: 0, outputTokens: -1 })).toBe(0);
  });

  it("rounds to the 9 decimals the cost column keeps", () => {
    const cheap = row("gpt-5-nano", 0.05, 0.4, "2024-01-01T00:00:00Z", 0.005);
    expect(computeCost(cheap, { inputTokens: 1, cachedInputTokens: 1, outputTokens: 0 })).toBe(0.000000005);
    const tiny = row("tiny", 0.0001, 0, "2024-01-01T00:00:00Z");
    expect(computeCost(tiny, { inputTokens: 1, cachedInputTokens: 0, outputTokens: 0 })).toBe(0);
    expect(computeCost(cheap, { inputTokens: 3, cachedInputTokens: 0, outputTokens: 1 })).toBe(0.00000055);
  });
});
