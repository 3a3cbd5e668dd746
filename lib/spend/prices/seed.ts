/**
 * The model prices a new installation starts with, in USD per million tokens.
 *
 * Source: the providers' public list prices (openai.com/api/pricing,
 * anthropic.com/pricing, ai.google.dev/gemini-api/docs/pricing,
 * mistral.ai/pricing, groq.com/pricing, together.ai/pricing) as known in
 * November 2025, standard tier, no batch discount; Gemini Pro at the ≤200k
 * context tier. Prices change: admins should check them against the
 * providers' pages and add a newer row in Settings › Model prices (a row with
 * a later effective date supersedes the old one; history is kept).
 *
 * Patterns: exact names match model names as sent, and names with a provider
 * prefix or a date suffix resolve to them (see lib/spend/prices/pricing.ts); globs
 * cover families whose members share one price.
 */
export interface SeedPrice {
  model: string;
  matchPattern: string;
  input: number;
  output: number;
  cachedInput: number | null;
}

/** Effective date of the seeded rows: early enough to price any demo or imported history. */
export const SEED_PRICES_EFFECTIVE_FROM = new Date("2024-01-01T00:00:00Z");

export const SEED_PRICES: readonly SeedPrice[] = [
  // OpenAI
  { model: "GPT-5", matchPattern: "gpt-5", input: 1.25, output: 10, cachedInput: 0.125 },
  { model: "GPT-5 mini", matchPattern: "gpt-5-mini", input: 0.25, output: 2, cachedInput: 0.025 },
  { model: "GPT-5 nano", matchPattern: "gpt-5-nano", input: 0.05, output: 0.4, cachedInput: 0.005 },
  { model: "GPT-4.1", matchPattern: "gpt-4.1", input: 2, output: 8, cachedInput: 0.5 },
  { model: "GPT-4.1 mini", matchPattern: "gpt-4.1-mini", input: 0.4, output: 1.6, cachedInput: 0.1 },
  { model: "GPT-4.1 nano", matchPattern: "gpt-4.1-nano", input: 0.1, output: 0.4, cachedInput: 0.025 },
  { model: "GPT-4o", matchPattern: "gpt-4o", input: 2.5, output: 10, cachedInput: 1.25 },
  { model: "GPT-4o (2024-05-13 snapshot)", matchPattern: "gpt-4o-2024-05-13", input: 5, output: 15, cachedInput: null },
  { model: "GPT-4o mini", matchPattern: "gpt-4o-mini", input: 0.15, output: 0.6, cachedInput: 0.075 },
  { model: "o3", matchPattern: "o3", input: 2, output: 8, cachedInput: 0.5 },
  { model: "o3-mini", matchPattern: "o3-mini", input: 1.1, output: 4.4, cachedInput: 0.55 },
  { model: "o4-mini", matchPattern: "o4-mini", input: 1.1, output: 4.4, cachedInput: 0.275 },
  { model: "o1", matchPattern: "o1", input: 15, output: 60, cachedInput: 7.5 },
  { model: "GPT-4 Turbo", matchPattern: "gpt-4-turbo", input: 10, output: 30, cachedInput: null },
  { model: "GPT-3.5 Turbo", matchPattern: "gpt-3.5-turbo", input: 0.5, output: 1.5, cachedInput: null },

  // Anthropic (cached input = prompt-cache read, 10% of input)
  { model: "Claude Opus 4.5", matchPattern: "claude-opus-4-5*", input: 5, output: 25, cachedInput: 0.5 },
  { model: "Claude Opus 4 / 4.1", matchPattern: "claude-opus-4*", input: 15, output: 75, cachedInput: 1.5 },
  { model: "Claude Sonnet 4 / 4.5", matchPattern: "claude-sonnet-4*", input: 3, output: 15, cachedInput: 0.3 },
  { model: "Claude Haiku 4.5", matchPattern: "claude-haiku-4-5*", input: 1, output: 5, cachedInput: 0.1 },
  { model: "Claude 3.7 Sonnet", matchPattern: "claude-3-7-sonnet*", input: 3, output: 15, cachedInput: 0.3 },
  { model: "Claude 3.5 Sonnet", matchPattern: "claude-3-5-sonnet*", input: 3, output: 15, cachedInput: 0.3 },
  { model: "Claude 3.5 Haiku", matchPattern: "claude-3-5-haiku*", input: 0.8, output: 4, cachedInput: 0.08 },
  { model: "Claude 3 Opus", matchPattern: "claude-3-opus*", input: 15, output: 75, cachedInput: 1.5 },
  { model: "Claude 3 Haiku", matchPattern: "claude-3-haiku*", input: 0.25, output: 1.25, cachedInput: 0.03 },

  // Google Gemini
  { model: "Gemini 2.5 Pro", matchPattern: "gemini-2.5-pro*", input: 1.25, output: 10, cachedInput: 0.125 },
  { model: "Gemini 2.5 Flash", matchPattern: "gemini-2.5-flash*", input: 0.3, output: 2.5, cachedInput: 0.03 },
  { model: "Gemini 2.5 Flash-Lite", matchPattern: "gemini-2.5-flash-lite*", input: 0.1, output: 0.4, cachedInput: 0.01 },
  { model: "Gemini 2.0 Flash", matchPattern: "gemini-2.0-flash*", input: 0.1, output: 0.4, cachedInput: 0.025 },
  { model: "Gemini 2.0 Flash-Lite", matchPattern: "gemini-2.0-flash-lite*", input: 0.075, output: 0.3, cachedInput: null },
  { model: "Gemini 1.5 Pro", matchPattern: "gemini-1.5-pro*", input: 1.25, output: 5, cachedInput: 0.3125 },
  { model: "Gemini 1.5 Flash", matchPattern: "gemini-1.5-flash*", input: 0.075, output: 0.3, cachedInput: 0.01875 },

  // Mistral (La Plateforme)
  { model: "Mistral Large", matchPattern: "mistral-large*", input: 2, output: 6, cachedInput: null },
  { model: "Mistral Medium 3", matchPattern: "mistral-medium*", input: 0.4, output: 2, cachedInput: null },
  { model: "Mistral Small", matchPattern: "mistral-small*", input: 0.1, output: 0.3, cachedInput: null },
  { model: "Codestral", matchPattern: "codestral*", input: 0.3, output: 0.9, cachedInput: null },
  { model: "Ministral 8B", matchPattern: "ministral-8b*", input: 0.1, output: 0.1, cachedInput: null },
  { model: "Mistral NeMo", matchPattern: "open-mistral-nemo*", input: 0.15, output: 0.15, cachedInput: null },

  // Llama on common hosts (Groq model ids, Together model ids)
  { model: "Llama 3.3 70B (Groq)", matchPattern: "llama-3.3-70b-versatile", input: 0.59, output: 0.79, cachedInput: null },
  { model: "Llama 3.1 8B (Groq)", matchPattern: "llama-3.1-8b-instant", input: 0.05, output: 0.08, cachedInput: null },
  { model: "Llama 3.3 70B Instruct Turbo (Together)", matchPattern: "llama-3.3-70b-instruct*", input: 0.88, output: 0.88, cachedInput: null },
  { model: "Llama 3.1 405B Instruct Turbo (Together)", matchPattern: "meta-llama-3.1-405b-instruct*", input: 3.5, output: 3.5, cachedInput: null },
  { model: "Llama 4 Maverick (Together)", matchPattern: "llama-4-maverick*", input: 0.27, output: 0.85, cachedInput: null },
  { model: "Llama 4 Scout (Together)", matchPattern: "llama-4-scout*", input: 0.18, output: 0.59, cachedInput: null },
];
