/**
 * The one guard for regular expressions written by users and run on untrusted
 * text: admins' custom redaction patterns (every stored message) and per-agent
 * regex evaluators (every LLM output). Both derive from this module:
 *
 * 1. `checkPattern` refuses, statically and with a reason, the shapes with
 *    which V8's backtracking engine (irregexp) can take exponential or high
 *    polynomial time: backreferences, lookarounds containing repetitions,
 *    repetitions nested in repetitions, repeated alternatives that can match
 *    the same text, and open-ended repetitions that can take the same
 *    characters one after the other (`\d+\d+`, `.*x.*`). It is conservative:
 *    what it cannot read (unknown group syntax) is refused too.
 * 2. `SafeRegex` runs an accepted pattern on long strings window by window, so
 *    that whatever slipped through (a single `\d+x` is still quadratic per
 *    window) costs O(n · window) instead of O(n²) or worse.
 *
 * Pure code, no dependencies: zod schemas call `checkPattern` synchronously.
 *
 * One file (~660 lines) on purpose: the pattern reader and the checks walk one
 * syntax tree, and the windowed runner depends on what the checks conclude.
 */

export type PatternCheck = { ok: true } | { ok: false; reason: string };

export const MAX_PATTERN_LENGTH = 500;

/**
 * Long strings are matched in segments of this many characters, each searched
 * with `WINDOW_CONTEXT` characters of context either side (lookbehinds and
 * `\b` see real neighbours; a match may run on past its segment). Patterns
 * that may be quadratic (patternCost) use segments and context 8 times
 * smaller, which bounds their work to a few hundred steps per character.
 */
export const SLICE_LENGTH = 2_048;
export const WINDOW_CONTEXT = 512;
const QUADRATIC_SHRINK = 8;

// ───────────── static analysis ─────────────

/**
 * The characters an atom can match: ASCII exactly; beyond ASCII, two
 * categories (white space, everything else), each known to be absent, partly
 * present ("some") or entirely present ("all"), so that `\s` and `\S` are
 * known disjoint while anything unsure counts as overlapping.
 */
class CharSet {
  readonly ascii = new Uint8Array(128);
  /** [some, all] for non-ASCII white space and for every other non-ASCII character. */
  readonly space: [boolean, boolean] = [false, false];
  readonly rest: [boolean, boolean] = [false, false];

  static all(): CharSet {
    const s = new CharSet();
    s.ascii.fill(1);
    s.space[0] = s.space[1] = s.rest[0] = s.rest[1] = true;
    return s;
  }
  addCode(code: number): this {
    if (code < 128) this.ascii[code] = 1;
    else if (/\s/.test(String.fromCodePoint(code))) this.space[0] = true;
    else this.rest[0] = true;
    return this;
  }
  addRange(from: number, to: number): this {
    for (let c = from; c <= Math.min(to, 127); c++) this.ascii[c] = 1;
    if (to >= 128) this.space[0] = this.rest[0] = true;
    return this;
  }
  addSet(other: CharSet): this {
    for (let c = 0; c < 128; c++) if (other.ascii[c]) this.ascii[c] = 1;
    for (const [mine, theirs] of [[this.space, other.space], [this.rest, other.rest]] as const) {
      mine[0] ||= theirs[0];
      mine[1] ||= theirs[1];
    }
    return this;
  }
  complement(): CharSet {
    const s = new CharSet();
    for (let c = 0; c < 128; c++) s.ascii[c] = this.ascii[c] ? 0 : 1;
    for (const [mine, theirs] of [[s.space, this.space], [s.rest, this.rest]] as const) {
      mine[0] = !theirs[1];
      mine[1] = !theirs[0];
    }
    return s;
  }
  /** Case-insensitive matching: letters in both cases (and, with u, the Kelvin sign and long s). */
  foldCase(): this {
    for (let c = 65; c <= 90; c++) {
      if (this.ascii[c] || this.ascii[c + 32]) {
        this.ascii[c] = this.ascii[c + 32] = 1;
        this.rest[0] = true;
      }
    }
    return this;
  }
  overlaps(other: CharSet): boolean {
    if ((this.space[0] && other.space[0]) || (this.rest[0] && other.rest[0])) return true;
    for (let c = 0; c < 128; c++) if (this.ascii[c] && other.ascii[c]) return true;
    return false;
  }
  /** Every character of this set is in `other` (false when unsure). */
  within(other: CharSet): boolean {
    for (let c = 0; c < 128; c++) if (this.ascii[c] && !other.ascii[c]) return false;
    return (!this.space[0] || other.space[1]) && (!this.rest[0] || other.rest[1]);
  }
}

const DIGIT = () => new CharSet().addRange(48, 57);
const WORD = () => new CharSet().addRange(48, 57).addRange(65, 90).addRange(97, 122).addCode(95);
const SPACE = () => {
  const s = new CharSet().addRange(9, 13).addCode(32);
  s.space[0] = s.space[1] = true;
  return s;
};

type Node =
  | { kind: "chars"; set: CharSet }
  | { kind: "assert"; which: string }
  | { kind: "backref" }
  | { kind: "group"; alts: Node[][]; look: false | "ahead" | "behind" | "notBehind" }
  | { kind: "repeat"; node: Node; min: number; max: number };

class Unreadable extends Error {}

/** A small recursive-descent reader of JavaScript regex syntax; the pattern already compiled, so it may be lenient. */
class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly ignoreCase: boolean,
  ) {}

  parse(): Node & { kind: "group" } {
    const alts = this.alternatives();
    if (this.i < this.src.length) throw new Unreadable("unbalanced parenthesis");
    return { kind: "group", alts, look: false };
  }

  private alternatives(): Node[][] {
    const alts: Node[][] = [this.sequence()];
    while (this.src[this.i] === "|") {
      this.i++;
      alts.push(this.sequence());
    }
    return alts;
  }

  private sequence(): Node[] {
    const terms: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== "|" && this.src[this.i] !== ")") {
      const atom = this.atom();
      terms.push(this.quantified(atom));
    }
    return terms;
  }

  private quantified(node: Node): Node {
    const ch = this.src[this.i];
    let min: number;
    let max: number;
    if (ch === "*") [min, max] = [0, Infinity];
    else if (ch === "+") [min, max] = [1, Infinity];
    else if (ch === "?") [min, max] = [0, 1];
    else if (ch === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return node; // a literal "{" (allowed without the u flag)
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      this.i += m[0].length - 1;
    } else return node;
    this.i++;
    if (this.src[this.i] === "?") this.i++; // lazy: same backtracking, other order
    return { kind: "repeat", node, min, max };
  }

  private chars(set: CharSet): Node {
    return { kind: "chars", set: this.ignoreCase ? set.foldCase() : set };
  }

  private atom(): Node {
    const ch = this.src[this.i]!;
    if (ch === "(") return this.group();
    if (ch === "[") return this.chars(this.charClass());
    if (ch === "\\") return this.escape();
    this.i++;
    if (ch === "^" || ch === "$") return { kind: "assert", which: ch };
    if (ch === ".") return this.chars(CharSet.all());
    return this.chars(new CharSet().addCode(ch.codePointAt(0)!));
  }

  private group(): Node {
    this.i++; // (
    let look: false | "ahead" | "behind" | "notBehind" = false;
    if (this.src[this.i] === "?") {
      const rest = this.src.slice(this.i, this.i + 3);
      if (rest.startsWith("?:")) this.i += 2;
      else if (rest.startsWith("?=") || rest.startsWith("?!")) [this.i, look] = [this.i + 2, "ahead"];
      else if (rest === "?<=" || rest === "?<!") [this.i, look] = [this.i + 3, rest === "?<!" ? "notBehind" : "behind"];
      else if (rest.startsWith("?<")) {
        const close = this.src.indexOf(">", this.i);
        if (close < 0) throw new Unreadable("group name");
        this.i = close + 1;
      } else throw new Unreadable(`group syntax (${rest})`);
    }
    const alts = this.alternatives();
    if (this.src[this.i] !== ")") throw new Unreadable("unbalanced parenthesis");
    this.i++;
    return { kind: "group", alts, look };
  }

  /** An escape outside a class. */
  private escape(): Node {
    const next = this.src[this.i + 1];
    if (next === undefined) throw new Unreadable("trailing backslash");
    if (next === "b" || next === "B") {
      this.i += 2;
      return { kind: "assert", which: `\\${next}` };
    }
    if (/[1-9]/.test(next) || (next === "k" && this.src[this.i + 2] === "<")) {
      this.i += 2;
      return { kind: "backref" };
    }
    return this.chars(this.escapedSet());
  }

  /** `\d`, `\n`, `\x41`, `\u{1F600}`, `\p{L}`, `\.`… at `i` (inside or outside a class). */
  private escapedSet(): CharSet {
    const next = this.src[this.i + 1]!;
    this.i += 2;
    switch (next) {
      case "d":
        return DIGIT();
      case "D":
        return DIGIT().complement();
      case "w":
        return WORD();
      case "W":
        return WORD().complement();
      case "s":
        return SPACE();
      case "S":
        return SPACE().complement();
      case "p":
      case "P": {
        if (this.src[this.i] === "{") this.i = Math.max(this.i, this.src.indexOf("}", this.i) + 1);
        return CharSet.all();
      }
      case "n":
        return new CharSet().addCode(10);
      case "r":
        return new CharSet().addCode(13);
      case "t":
        return new CharSet().addCode(9);
      case "f":
        return new CharSet().addCode(12);
      case "v":
        return new CharSet().addCode(11);
      case "0":
        return new CharSet().addCode(0);
      case "c": {
        const letter = this.src.charCodeAt(this.i);
        if (/[A-Za-z]/.test(this.src[this.i] ?? "")) {
          this.i++;
          return new CharSet().addCode(letter % 32);
        }
        return new CharSet().addCode(92).addCode(99);
      }
      case "x": {
        const hex = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(this.i));
        if (!hex) return new CharSet().addCode(120);
        this.i += 2;
        return new CharSet().addCode(parseInt(hex[0], 16));
      }
      case "u": {
        const hex = /^(?:[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]+\})/.exec(this.src.slice(this.i));
        if (!hex) return new CharSet().addCode(117);
        this.i += hex[0].length;
        return new CharSet().addCode(parseInt(hex[0].replace(/[{}]/g, ""), 16));
      }
      default:
        return new CharSet().addCode(next.codePointAt(0)!);
    }
  }

  private charClass(): CharSet {
    this.i++; // [
    let negated = false;
    if (this.src[this.i] === "^") {
      negated = true;
      this.i++;
    }
    const set = new CharSet();
    while (this.i < this.src.length && this.src[this.i] !== "]") {
      const from = this.classAtom();
      if (this.src[this.i] === "-" && this.src[this.i + 1] !== "]" && this.i + 1 < this.src.length) {
        this.i++;
        const to = this.classAtom();
        if (from.code !== null && to.code !== null) set.addRange(from.code, to.code);
        else set.addSet(from.set).addSet(to.set).addCode(45);
      } else set.addSet(from.set);
    }
    if (this.src[this.i] !== "]") throw new Unreadable("unterminated class");
    this.i++;
    return negated ? set.complement() : set;
  }

  /** One member of a class: a single code (usable in a range) or a set such as `\d`. */
  private classAtom(): { code: number | null; set: CharSet } {
    if (this.src[this.i] === "\\") {
      if (this.src[this.i + 1] === "b") {
        this.i += 2;
        return { code: 8, set: new CharSet().addCode(8) };
      }
      const set = this.escapedSet();
      const codes = [...set.ascii].reduce((n, bit) => n + bit, 0);
      const single = !set.space[0] && !set.rest[0] && codes === 1 ? set.ascii.indexOf(1) : null;
      return { code: single, set };
    }
    const code = this.src.codePointAt(this.i)!;
    this.i += code > 0xffff ? 2 : 1;
    return { code, set: new CharSet().addCode(code) };
  }
}

/** What the checks need to know about a node. */
interface Facts {
  /** Every character the node may consume. */
  set: CharSet;
  /** Characters it may start with. */
  first: CharSet;
  nullable: boolean;
  /** Contains a repetition whose count can vary (not `{n}`). */
  variable: boolean;
  /** Contains an open-ended or wide repetition. */
  wide: boolean;
  /** Largest variation (max − min) of a repetition inside; Infinity when open-ended. */
  spread: number;
  /** Contains alternatives that can start with the same character (or match nothing). */
  ambiguous: boolean;
  /** Contains an open-ended repetition (or one of more than OPEN_MAX). */
  open: boolean;
  /** Contains an open repetition followed by something that must match (so the repetition can be backtracked). */
  failsAfterOpen: boolean;
}

/** A repetition allowed more than this many times is, for cost, as open-ended as `*`. */
const OPEN_MAX = 256;

/** Repetitions whose count may vary by more than this are "wide": they can share many characters with a neighbour. */
const WIDE_SPREAD = 16;
/**
 * A bounded repetition of variable parts can split a text in up to
 * (spread + 1) ^ (max count) ways; refused beyond this many (the IPv4 shape
 * `(?:\d{1,3}\.){3}` has 27, `(?:a{1,2}){32}` has 4·10^9).
 */
const NESTED_BUDGET = 1_000;

class Refused extends Error {}

function facts(node: Node): Facts {
  switch (node.kind) {
    case "chars":
      return { ...NOTHING(), set: node.set, first: node.set };
    case "assert":
      return { ...NOTHING(), nullable: true };
    case "backref":
      throw new Refused("It uses a backreference (\\1 or \\k<name>), which the regex engine can only match by trying every split of the text. Remove it.");
    case "group": {
      const alts = node.alts.map(sequenceFacts);
      if (node.look) {
        if (alts.some((a) => a.variable))
          throw new Refused("A lookahead or lookbehind contains a repetition, which is re-run at every position. Use a fixed-length lookaround or none.");
        // Consumes nothing: only an assertion for its neighbours.
        return { ...NOTHING(), nullable: true };
      }
      const set = new CharSet();
      const first = new CharSet();
      for (const a of alts) {
        set.addSet(a.set);
        first.addSet(a.first);
      }
      return {
        set,
        first,
        nullable: alts.some((a) => a.nullable),
        variable: alts.some((a) => a.variable),
        wide: alts.some((a) => a.wide),
        spread: Math.max(0, ...alts.map((a) => a.spread)),
        ambiguous: alts.some((a) => a.ambiguous) || overlappingAlternatives(alts),
        open: alts.some((a) => a.open),
        failsAfterOpen: alts.some((a) => a.failsAfterOpen),
      };
    }
    case "repeat": {
      const inner = facts(node.node);
      const repeats = node.max > 1;
      if (repeats && inner.variable) {
        if (node.max === Infinity || inner.spread === Infinity || (inner.spread + 1) ** node.max > NESTED_BUDGET) {
          throw new Refused(
            "A repeated group contains another repetition or alternatives (like (a+)+, (\\w+\\s?)* or (a|ab)*), so the same text can be split in exponentially many ways and matching can take exponential time. Rewrite it without the nesting.",
          );
        }
      }
      if (repeats && inner.ambiguous) {
        throw new Refused(
          "A repeated group has alternatives that can match the same text (like (a|a)* or (x|xy)+), so each repetition may take either and matching can take exponential time. Make the alternatives start with different characters.",
        );
      }
      const spread = node.max === Infinity ? Infinity : node.max - node.min;
      return {
        set: inner.set,
        first: inner.first,
        nullable: node.min === 0 || inner.nullable,
        variable: inner.variable || node.max !== node.min,
        wide: inner.wide || spread > WIDE_SPREAD,
        spread: Math.max(inner.spread, spread),
        ambiguous: inner.ambiguous,
        open: inner.open || node.max > OPEN_MAX,
        failsAfterOpen: inner.failsAfterOpen,
      };
    }
  }
}

const NOTHING = (): Facts => ({
  set: new CharSet(),
  first: new CharSet(),
  nullable: false,
  variable: false,
  wide: false,
  spread: 0,
  ambiguous: false,
  open: false,
  failsAfterOpen: false,
});

/**
 * Alternatives that can start with the same character, or match nothing: in a
 * repeated group, each repetition may then take either, and a failing match
 * tries every combination.
 */
function overlappingAlternatives(alts: Facts[]): boolean {
  if (alts.length < 2) return false;
  for (let a = 0; a < alts.length; a++) {
    if (alts[a]!.nullable) return true;
    for (let b = a + 1; b < alts.length; b++) if (alts[a]!.first.overlaps(alts[b]!.first)) return true;
  }
  return false;
}

function sequenceFacts(terms: Node[]): Facts {
  const all = terms.map(facts);
  checkAdjacentRepetitions(all);
  const set = new CharSet();
  const first = new CharSet();
  let nullable = true;
  for (const f of all) {
    set.addSet(f.set);
    if (nullable) first.addSet(f.first);
    nullable &&= f.nullable;
  }
  return {
    set,
    first,
    nullable,
    variable: all.some((f) => f.variable),
    wide: all.some((f) => f.wide),
    spread: Math.max(0, ...all.map((f) => f.spread)),
    ambiguous: all.some((f) => f.ambiguous),
    open: all.some((f) => f.open),
    failsAfterOpen: all.some((f, i) => f.failsAfterOpen || (f.open && all.slice(i + 1).some((g) => !g.nullable))),
  };
}

/**
 * `\d+\d+x`, `.*a.*b`: after a wide repetition, another one that can take the
 * same characters, with nothing in between that must match a character the
 * first cannot take. Each such pair multiplies the work of every attempt by
 * the length of the text.
 */
function checkAdjacentRepetitions(terms: Facts[]) {
  for (let i = 0; i < terms.length; i++) {
    if (!terms[i]!.wide) continue;
    const taken = terms[i]!.set;
    for (let j = i + 1; j < terms.length; j++) {
      const t = terms[j]!;
      if (t.wide && t.set.overlaps(taken)) {
        throw new Refused(
          "Two open-ended repetitions can take the same characters one after the other (like \\d+\\d+ or .*x.*), which costs polynomial time. Separate them by a character the first cannot match, or merge them.",
        );
      }
      if (!t.nullable && !t.first.overlaps(taken)) break;
    }
  }
}

/**
 * Whether an accepted pattern may still take quadratic time: an open-ended
 * repetition that an attempt can enter anywhere inside a run of its own
 * characters, followed by something that can fail, so every start position
 * rescans the run (`\d+x` on a megabyte of digits, `[\w.]+@x\.com` on a
 * base64 blob). It is not when the repetition is gated: the term before it
 * takes none of its characters (`EMP-\d+x`), or it follows `^`, a `\b` it
 * cannot straddle (`\b\d+ days`) or a negative lookbehind of its own class
 * (`(?<![\w.])[\w.]+@x\.com`); or the pattern starts with `^` (one attempt
 * in all). Only top-level terms are examined; a group is
 * judged by everything it contains. Such patterns are not refused (a common
 * one like `(\d{3}-)+\d{4}` is of this kind) but searched in small windows.
 */
function quadratic(root: Node & { kind: "group" }, multiline: boolean): boolean {
  return root.alts.some((terms) => {
    // Anchored at the start of the text: a single attempt, whatever follows.
    if (!multiline && terms[0]?.kind === "assert" && terms[0].which === "^") return false;
    const all = terms.map(facts);
    return all.some((f, i) => f.open && (f.failsAfterOpen || all.slice(i + 1).some((g) => !g.nullable)) && !gated(terms, all, i, multiline));
  });
}

function gated(terms: Node[], all: Facts[], i: number, multiline: boolean): boolean {
  if (i === 0) return false;
  const prev = terms[i - 1]!;
  const taken = all[i]!.set;
  if (!all[i - 1]!.nullable) return !all[i - 1]!.set.overlaps(taken);
  if (prev.kind === "assert") {
    if (prev.which === "^") return !multiline;
    if (prev.which === "\\b") return taken.within(WORD()) || !taken.overlaps(WORD());
    return false;
  }
  if (prev.kind === "group" && prev.look === "notBehind") {
    return prev.alts.some((alt) => alt.length === 1 && alt[0]!.kind === "chars" && taken.within(alt[0]!.set));
  }
  return false;
}

/** How SafeRegex must search with a pattern that checkPattern accepted. */
export type PatternCost = "linear" | "quadratic";

export function patternCost(pattern: string, flags = ""): PatternCost {
  try {
    const root = new Parser(pattern, flags.includes("i")).parse();
    facts(root);
    return quadratic(root, flags.includes("m")) ? "quadratic" : "linear";
  } catch {
    return "quadratic";
  }
}

/** The structural verdict alone (the pattern must already compile). */
export function analyzePattern(pattern: string, flags = ""): PatternCheck {
  try {
    facts(new Parser(pattern, flags.includes("i")).parse());
    return { ok: true };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    if (error instanceof Unreadable) return { ok: false, reason: `The safety check cannot read this pattern (${error.message}); simplify it.` };
    throw error;
  }
}

/**
 * Every check a user's pattern must pass before it is stored or run: length,
 * compiles, cannot match the empty string, and no catastrophic shape.
 */
export function checkPattern(pattern: string, flags = ""): PatternCheck {
  if (pattern.length === 0) return { ok: false, reason: "Enter a regular expression." };
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `At most ${MAX_PATTERN_LENGTH} characters.` };
  let re: RegExp;
  try {
    re = new RegExp(pattern, `${flags}g`);
  } catch (error) {
    return { ok: false, reason: `Not a valid regular expression: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (re.test("") || new RegExp(`^(?:${pattern})$`, flags).test("")) {
    return { ok: false, reason: "The pattern matches the empty string; it must match at least one character." };
  }
  return analyzePattern(pattern, flags);
}

// ───────────── bounded matching ─────────────

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * A compiled user pattern that only ever searches bounded windows of a long
 * string. Matches are what a plain global search finds, with two bounds: a
 * match running more than the context past its segment is cut at the window's
 * end, and a `$` or lookahead at a window's end sees the end of the window
 * (only for such long matches). `^` keeps its meaning: windows after the first
 * are searched from an offset, where `^` (no m flag) cannot match.
 */
export class SafeRegex {
  private readonly re: RegExp;
  readonly cost: PatternCost;
  private readonly slice: number;
  private readonly context: number;

  constructor(
    readonly pattern: string,
    flags = "",
  ) {
    this.re = new RegExp(pattern, `${flags.replace(/[gy]/g, "")}g`);
    this.cost = patternCost(pattern, flags);
    const shrink = this.cost === "linear" ? 1 : QUADRATIC_SHRINK;
    this.slice = SLICE_LENGTH / shrink;
    this.context = WINDOW_CONTEXT / shrink;
  }

  /** Calls `onMatch(start, end)` for each non-empty match in order; stops when it returns false. */
  private each(text: string, onMatch: (start: number, end: number) => boolean): void {
    const re = this.re;
    let resume = 0;
    for (let segment = 0; segment < text.length; ) {
      let segmentEnd = Math.min(segment + this.slice, text.length);
      if (segmentEnd < text.length && isLowSurrogate(text.charCodeAt(segmentEnd))) segmentEnd++;
      const short = text.length <= this.slice + this.context;
      const windowStart = short ? 0 : Math.max(0, segment - this.context);
      const windowEnd = short ? text.length : Math.min(text.length, segmentEnd + this.context);
      const window = windowStart === 0 && windowEnd === text.length ? text : text.slice(windowStart, windowEnd);
      const last = short ? text.length : segmentEnd;
      re.lastIndex = Math.max(resume, segment) - windowStart;
      for (let m = re.exec(window); m; m = re.exec(window)) {
        const start = m.index + windowStart;
        if (start >= last) break;
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const end = start + m[0].length;
        resume = end;
        if (!onMatch(start, end)) return;
      }
      segment = last;
    }
  }

  test(text: string): boolean {
    let found = false;
    this.each(text, () => {
      found = true;
      return false;
    });
    return found;
  }

  /** Replaces every match by `replacement(match)`, counting them. */
  replace(text: string, replacement: (match: string) => string): { text: string; count: number } {
    let out = "";
    let copied = 0;
    let count = 0;
    this.each(text, (start, end) => {
      out += text.slice(copied, start) + replacement(text.slice(start, end));
      copied = end;
      count++;
      return true;
    });
    return count === 0 ? { text, count } : { text: out + text.slice(copied), count };
  }
}

/** `checkPattern`, then the bounded matcher: the one way user patterns are compiled. */
export function compileUserPattern(pattern: string, flags = ""): { ok: true; regex: SafeRegex } | { ok: false; reason: string } {
  const check = checkPattern(pattern, flags);
  return check.ok ? { ok: true, regex: new SafeRegex(pattern, flags) } : check;
}
