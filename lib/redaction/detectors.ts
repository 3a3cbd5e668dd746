/**
 * Built-in detectors of personal data and secrets, and the string redactor
 * built from them plus admins' custom patterns. Pure code (no database), so
 * it is unit-tested on realistic positives and negatives.
 *
 * Each detector finds candidates in time linear in its input, then a check
 * removes look-alikes: Luhn and issuer prefixes for card numbers, mod-97 and
 * country lengths for IBANs, digit counts for phone numbers, character entropy
 * for anonymous tokens. V8's irregexp backtracks, so "linear" is argued per
 * detector below: a regex is kept only when every attempt is gated to few
 * start positions and does bounded work there; the shapes that were not
 * (international phone numbers, JWTs, PEM private keys) are hand-written
 * scanners that look at each character a bounded number of times. Every
 * detector has adversarial tests in redactor.test.ts, and scanners are
 * checked there against the regexes they replace on random short inputs.
 *
 * Long (~540 lines) because each detector sits beside the argument for its
 * linear time and its look-alike checks; splitting them would separate the two.
 */
import { compileUserPattern, SLICE_LENGTH } from "./safe-regex";

export const BUILTIN_KINDS = ["SECRET", "EMAIL", "IBAN", "CARD", "PHONE"] as const;
export type BuiltinKind = (typeof BUILTIN_KINDS)[number];

export const BUILTIN_LABELS: Record<BuiltinKind, { label: string; example: string }> = {
  EMAIL: { label: "E-mail addresses", example: "jane.doe@example.com" },
  CARD: { label: "Payment card numbers (Luhn-checked)", example: "4111 1111 1111 1111" },
  IBAN: { label: "IBANs (mod-97 checked)", example: "DE89 3704 0044 0532 0130 00" },
  PHONE: { label: "Phone numbers", example: "+44 20 7946 0958, (415) 555-0132" },
  SECRET: { label: "API keys and secrets", example: "sk-…, AKIA…, ghp_…, Bearer tokens, long random tokens" },
};

export const marker = (type: string) => `[REDACTED:${type}]`;

/** A function that redacts one kind of thing in a string and counts what it replaced. */
export interface StringRule {
  type: string;
  apply(text: string): { text: string; count: number };
}

function regexRule(type: string, re: RegExp, accept: (match: string, groups: string[]) => string | null = () => marker(type)): StringRule {
  return {
    type,
    apply(text) {
      let count = 0;
      const out = text.replace(re, (match: string, ...rest: unknown[]) => {
        const groups = rest.filter((g): g is string => typeof g === "string");
        const replacement = accept(match, groups);
        if (replacement === null) return match;
        count += 1;
        return replacement;
      });
      return { text: out, count };
    },
  };
}

/**
 * A rule from a scanner: `scanner(text)(from)` returns the next candidate at or
 * after `from` (as the regex it replaces would: leftmost first, and the search
 * resumes at the candidate's end whether or not `accept` keeps it).
 */
type Span = { start: number; end: number };
type Scanner = (text: string) => (from: number) => Span | null;

function scanRule(type: string, scanner: Scanner, accept: (match: string) => string | null = () => marker(type)): StringRule {
  return {
    type,
    apply(text) {
      let count = 0;
      let out = "";
      let copied = 0;
      let from = 0;
      const next = scanner(text);
      for (let m = next(from); m; m = next(from)) {
        const replacement = accept(text.slice(m.start, m.end));
        if (replacement !== null) {
          out += text.slice(copied, m.start) + replacement;
          copied = m.end;
          count += 1;
        }
        from = m.end > m.start ? m.end : m.start + 1;
      }
      return count === 0 ? { text, count } : { text: out + text.slice(copied), count };
    },
  };
}

const isDigitCode = (c: number) => c >= 48 && c <= 57;
/** `\w` without the u flag. */
const isWordCode = (c: number) => isDigitCode(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
/** NaN (past either end of the string) is neither. */
const wordAt = (text: string, i: number) => isWordCode(text.charCodeAt(i));

// ───────────── checks ─────────────

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes and lengths of the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro). */
function plausibleCard(digits: string): boolean {
  const n = digits.length;
  if (n < 13 || n > 19) return false;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === "4") return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (digits.startsWith("6011") || digits.startsWith("65") || (p6 >= 644000 && p6 <= 649999)) return n >= 16; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16; // JCB
  if (p2 === 36 || p2 === 38 || p2 === 39 || (p4 >= 3000 && p4 <= 3059)) return n >= 14; // Diners
  if (p2 === 62) return n >= 16; // UnionPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 12; // Maestro
  return false;
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22,
  DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LI: 21, LT: 20, LU: 20, LV: 21,
  MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29,
  RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27, TN: 24, TR: 26, UA: 29, VG: 24, XK: 20,
};

export function ibanValid(raw: string): boolean {
  const iban = raw.replace(/[\s-]/g, "").toUpperCase();
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected ? iban.length !== expected : iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 && code <= 90 ? String(code - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const c of counts.values()) {
    const p = c / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Random-looking: long, mixes letters and digits (and cases), and carries more
 * than 4 bits per character, which no hex id (trace ids, SHA digests, UUIDs) reaches.
 */
function looksRandom(token: string): boolean {
  if (token.length < 32) return false;
  if (!/\d/.test(token) || !/[a-z]/.test(token) || !/[A-Z]/.test(token)) return false;
  return entropy(token) > 4.2;
}

// ───────────── detectors ─────────────

/**
 * Why each regex here is linear: the ones ending in an open-ended run
 * (`{20,}`) have nothing after it, so the greedy run always succeeds and the
 * search resumes past it; the ones ending in `\b` after a run whose class
 * excludes `_` can backtrack only within that run, and runs of distinct
 * attempts are disjoint (an attempt starts only at a word boundary before a
 * fixed prefix). PEM keys and JWTs were not linear (the body of a key was
 * rescanned up to 8 KB from every BEGIN line; `eyJ-eyJ-…` rescanned the rest
 * of the string from every `eyJ`): they are scanners, below.
 */
const SECRET_PATTERNS: RegExp[] = [
  /\bsk-(?:ant-|proj-|svcacct-|live-|test-)?[A-Za-z0-9_-]{20,}/g, // OpenAI, Anthropic, Stripe-like
  /\b(?:rk|pk|sk)_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google API keys
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /\bfd_[A-Za-z0-9]{32}\b/g, // Flightdeck API keys
];

/** End of the run of characters from `i` on that satisfy `inClass` (by char code). */
function runEnd(text: string, i: number, inClass: (c: number) => boolean): number {
  while (i < text.length && inClass(text.charCodeAt(i))) i++;
  return i;
}

const isUpperOrSpace = (c: number) => (c >= 65 && c <= 90) || c === 32;

/**
 * `[A-Z ]*PRIVATE KEY-----` at `i`: since `[A-Z ]` cannot cross `-`, the run
 * must end in "PRIVATE KEY" and be followed by "-----". Returns the end or -1.
 */
function pemLabelEnd(text: string, i: number): number {
  const r = runEnd(text, i, isUpperOrSpace);
  return r - 11 >= i && text.startsWith("PRIVATE KEY", r - 11) && text.startsWith("-----", r) ? r + 5 : -1;
}

/**
 * `-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]{0,8192}?-----END [A-Z ]*PRIVATE KEY-----`
 * without rescanning: valid footers are found once, in order, and each BEGIN
 * line takes the first one at most 8 KB after it (what the lazy body did).
 */
const pemScanner: Scanner = (text) => {
  const MAX_BODY = 8192;
  // Footers cannot overlap (each contains "-----"), so finding them all costs one pass.
  const footers: Span[] = [];
  for (let e = text.indexOf("-----END "); e >= 0; e = text.indexOf("-----END ", e + 1)) {
    const end = pemLabelEnd(text, e + 9);
    if (end >= 0) footers.push({ start: e, end });
  }
  // BEGIN lines are visited in increasing order, so the first footer after each only moves forward.
  let f = 0;
  return (from) => {
    if (footers.length === 0) return null;
    for (let b = text.indexOf("-----BEGIN ", from); b >= 0; b = text.indexOf("-----BEGIN ", b + 1)) {
      const headerEnd = pemLabelEnd(text, b + 11);
      if (headerEnd < 0) continue;
      while (f < footers.length && footers[f]!.start < headerEnd) f++;
      if (f === footers.length) return null;
      if (footers[f]!.start - headerEnd <= MAX_BODY) return { start: b, end: footers[f]!.end };
    }
    return null;
  };
};

const isJwtCode = (c: number) => isWordCode(c) || c === 45;

/**
 * `\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`: each run
 * must end where its class ends (the next character must be `.`), so there is
 * nothing to backtrack; and when an attempt fails, every `eyJ` inside its first
 * run would fail the same way, so the search resumes after that run.
 */
const jwtScanner: Scanner = (text) => (from) => {
  for (let p = text.indexOf("eyJ", from); p >= 0; ) {
    if (wordAt(text, p - 1)) {
      p = text.indexOf("eyJ", p + 1);
      continue;
    }
    const r1 = runEnd(text, p + 3, isJwtCode);
    if (r1 - (p + 3) >= 8 && text.startsWith(".eyJ", r1)) {
      const r2 = runEnd(text, r1 + 4, isJwtCode);
      if (r2 - (r1 + 4) >= 8 && text.charCodeAt(r2) === 46) {
        const r3 = runEnd(text, r2 + 1, isJwtCode);
        if (r3 - (r2 + 1) >= 8) return { start: p, end: r3 };
      }
    }
    p = text.indexOf("eyJ", Math.max(r1, p + 1));
  }
  return null;
};

function secretRule(): StringRule {
  const type = "SECRET";
  const known = [scanRule(type, pemScanner), ...SECRET_PATTERNS.map((re) => regexRule(type, re)), scanRule(type, jwtScanner)];
  // `Authorization: Bearer <token>`, `"token": "…"`: keep the word, hide the credential.
  const bearer = regexRule(type, /\b(Bearer|Basic|Token)\s+([A-Za-z0-9._~+/=-]{16,})/g, (_m, [scheme]) => `${scheme} ${marker(type)}`);
  const password = regexRule(
    type,
    /\b(password|passwd|pwd|secret|api[_-]?key|access[_-]?token|client[_-]?secret)(["']?\s*[:=]\s*["']?)([^\s"',;]{6,})/gi,
    (match, [key, sep, value]) => (value!.startsWith("[REDACTED:") ? null : `${key}${sep}${marker(type)}`),
  );
  const random = regexRule(type, /(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{32,512}(?![A-Za-z0-9+/_=-])/g, (m) => (looksRandom(m) ? marker(type) : null));
  return {
    type,
    apply(text) {
      let count = 0;
      for (const rule of [...known, bearer, password, random]) {
        const r = rule.apply(text);
        text = r.text;
        count += r.count;
      }
      return { text, count };
    },
  };
}

const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

/** 13–19 digits, optionally grouped by single spaces or dashes, not part of a longer number. */
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;

/** Country code, check digits, then 11–30 alphanumerics, optionally in groups of four. */
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g;

/**
 * North American numbers in their usual punctuation: fixed length, and an
 * attempt starts only where no word character or dash precedes, so each costs
 * at most a dozen steps.
 */
const PHONE_NANP = /(?<![\w-])(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}(?![\w-])/g;

const isPhoneSeparator = (c: number) => c === 32 || c === 46 || c === 45; // " .-"

/**
 * International numbers: `+`, a country code and up to five groups of digits,
 * each optionally after one of ` .-` and optionally in parentheses, not
 * followed by a word character; 8–15 digits in all. Bare digit runs are left
 * alone: they are far more often order or invoice numbers than phone numbers.
 *
 * This was `/(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,5}(?![\w])/g`,
 * whose groups may split a run of digits in thousands of ways, all tried
 * whenever the run is followed by a letter: ~3 µs per character of
 * `+1111…1a +1111…1a`, seconds per megabyte. The scanner reads the same
 * shape once, left to right: a run of digits needs at least ceil(length / 5)
 * groups (the country code takes up to 3 digits of the first run), so an end
 * is reachable when that count stays within 5, and the match is the farthest
 * reachable end (end of a run, or after its `)`) not followed by a word
 * character. Each attempt reads at most ~40 characters.
 */
const phoneIntlScanner: Scanner = (text) => (from) => {
  for (let p = text.indexOf("+", from); p >= 0; p = text.indexOf("+", p + 1)) {
    const before = text.charCodeAt(p - 1);
    if (isWordCode(before) || before === 43) continue;
    const end = phoneIntlEnd(text, p);
    if (end > 0) return { start: p, end };
  }
  return null;
};

const MAX_GROUPS = 5;

/** The farthest end of an international number starting with the `+` at `p`, or -1. */
function phoneIntlEnd(text: string, p: number): number {
  let best = -1;
  let i = p + 1;
  const first = runEnd(text, i, isDigitCode) - i;
  // Fewest groups the digits so far need (the country code takes up to 3 of the first run).
  let groups = Math.ceil(Math.max(0, first - 3) / 5);
  if (first === 0 || groups > MAX_GROUPS) return -1;
  i += first;
  // A 1-digit first run is the country code alone: a group must follow before an end or `)`.
  let inGroup = first >= 2;
  if (inGroup) groups = Math.max(groups, 1);
  for (;;) {
    if (inGroup) {
      if (!wordAt(text, i)) best = i;
      if (text.charCodeAt(i) === 41) {
        i++;
        if (!wordAt(text, i)) best = i;
      }
    }
    let j = i;
    if (isPhoneSeparator(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) === 40) j++;
    const digits = runEnd(text, j, isDigitCode) - j;
    if (digits === 0) return best;
    groups += Math.ceil(digits / 5);
    if (groups > MAX_GROUPS) return best;
    i = j + digits;
    inGroup = true;
  }
}

function phoneRule(): StringRule {
  const type = "PHONE";
  // A loop, not m.replace(/\D/g, ""): this runs on every candidate, and adversarial text is all candidates.
  const digitsOk = (m: string) => {
    let n = 0;
    for (let i = 0; i < m.length; i++) if (isDigitCode(m.charCodeAt(i))) n++;
    return n >= 8 && n <= 15;
  };
  const intl = scanRule(type, phoneIntlScanner, (m) => (digitsOk(m) ? marker(type) : null));
  const nanp = regexRule(type, PHONE_NANP);
  return {
    type,
    apply(text) {
      const a = intl.apply(text);
      const b = nanp.apply(a.text);
      return { text: b.text, count: a.count + b.count };
    },
  };
}

export function builtinRule(kind: BuiltinKind): StringRule {
  switch (kind) {
    case "SECRET":
      return secretRule();
    case "EMAIL":
      return regexRule("EMAIL", EMAIL);
    case "IBAN":
      return regexRule("IBAN", IBAN, (m) => (ibanValid(m) ? marker("IBAN") : null));
    case "CARD":
      return regexRule("CARD", CARD, (m) => {
        let digits = "";
        for (let i = 0; i < m.length; i++) if (isDigitCode(m.charCodeAt(i))) digits += m[i];
        return plausibleCard(digits) && luhnValid(digits) ? marker("CARD") : null;
      });
    case "PHONE":
      return phoneRule();
  }
}

// ───────────── custom patterns ─────────────

/** Custom patterns search long strings in windows of about this size (SafeRegex), which bounds any accepted pattern's cost. */
export const CUSTOM_SLICE_LENGTH = SLICE_LENGTH;

/** The marker type of a custom rule: its name in upper snake case, e.g. `[REDACTED:EMPLOYEE_ID]`. */
export function customMarkerType(name: string): string {
  return (
    name
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 40) || "CUSTOM"
  );
}

/**
 * A custom rule. Throws when the pattern does not compile or is refused by the
 * safety checks (a rule stored before they were strengthened): the redactor
 * skips it with the reason rather than risk stalling ingestion.
 */
export function customRule(name: string, pattern: string): StringRule {
  const type = customMarkerType(name);
  const compiled = compileUserPattern(pattern);
  if (!compiled.ok) throw new Error(compiled.reason);
  const re = compiled.regex;
  return { type, apply: (text) => re.replace(text, () => marker(type)) };
}

/** Applies the rules in order (secrets first, so a token's digits are not taken for a card). */
export function redactString(text: string, rules: readonly StringRule[]): { text: string; count: number } {
  let count = 0;
  for (const rule of rules) {
    const r = rule.apply(text);
    text = r.text;
    count += r.count;
  }
  return { text, count };
}

/**
 * Maps every string in a JSON value (not object keys), depth-first in a fixed
 * order, sharing unchanged subtrees; the input is not modified. Deeper than
 * 64 levels is left as is.
 */
/** Stands for a JSON value nested deeper than the walker goes: never stored unredacted. */
export const TOO_DEEP_MARKER = "[REDACTED:TOO_DEEP]";
const MAX_WALK_DEPTH = 64;

/**
 * Every string value of a JSON value mapped, in one fixed order; containers past the depth
 * limit become the marker. Keys are kept (they name fields); ingestion redacts keys too
 * (lib/telemetry/store.ts), where any text an agent sends may be a key.
 */
function mapStrings<T>(value: T, map: (text: string) => string): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return map(v);
    if (v === null || typeof v !== "object") return v;
    if (depth > MAX_WALK_DEPTH) return TOO_DEEP_MARKER;
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((item) => {
        const next = walk(item, depth + 1);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? out : v;
    }
    if (v instanceof Date) return v;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      const next = walk(item, depth + 1);
      if (next !== item) changed = true;
      out[key] = next;
    }
    return changed ? out : v;
  };
  return walk(value, 0) as T;
}

/** Walks any JSON value and redacts every string in it (not object keys); the input is not modified. */
export function redactJson<T>(value: T, rules: readonly StringRule[]): { value: T; count: number } {
  if (rules.length === 0) return { value, count: 0 };
  let count = 0;
  const redacted = mapStrings(value, (text) => {
    const r = redactString(text, rules);
    count += r.count;
    return r.text;
  });
  return { value: redacted, count };
}

/** How long the asynchronous walker works before it lets other requests run. */
export const REDACTION_SLICE_MS = 10;

/**
 * `redactJson` with the same result, for large bodies: it gives the event
 * loop back whenever it has worked REDACTION_SLICE_MS, between strings and
 * between the rules applied to one string, so a 16 MB body no longer holds
 * every other request (health checks included) for the second or two its
 * redaction takes. One rule on one string is still a single step: about
 * 10–60 ms per MB of adversarial text (bench/README.md).
 */
export async function redactJsonAsync<T>(value: T, rules: readonly StringRule[]): Promise<{ value: T; count: number }> {
  if (rules.length === 0) return { value, count: 0 };
  const strings: string[] = [];
  mapStrings(value, (text) => {
    strings.push(text);
    return text;
  });
  let count = 0;
  let since = performance.now();
  const pause = async () => {
    if (performance.now() - since < REDACTION_SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
  const results: string[] = [];
  for (let text of strings) {
    for (const rule of rules) {
      const r = rule.apply(text);
      text = r.text;
      count += r.count;
      await pause();
    }
    results.push(text);
  }
  let i = 0;
  return { value: mapStrings(value, () => results[i++]!), count };
}
