/**
 * Diffs of two prompt versions, pure (no database): templates line by line
 * (longest common subsequence) with word-level highlights inside changed
 * lines, laid out as side-by-side rows; configs key by key (added, removed,
 * changed). The `diff` package is not installed, so this is a small LCS.
 */

export interface Segment {
  text: string;
  /** Removed (left side) or added (right side) within a changed line. */
  changed: boolean;
}

export interface DiffSide {
  /** 1-based line number in its version. */
  line: number;
  text: string;
  segments: Segment[];
}

export type DiffRow =
  | { kind: "same"; left: DiffSide; right: DiffSide }
  | { kind: "changed"; left: DiffSide; right: DiffSide }
  | { kind: "removed"; left: DiffSide; right: null }
  | { kind: "added"; left: null; right: DiffSide };

export interface ConfigChange {
  key: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

/** Above this many LCS cells, the middle of two texts is shown as removed then added instead of aligned. */
const MAX_CELLS = 4_000_000;

type Op<T> = { op: "same"; a: T; b: T } | { op: "del"; a: T } | { op: "ins"; b: T };

/** An edit script from `a` to `b`: common prefix and suffix trimmed, LCS on the rest. */
export function diffSequences<T>(a: readonly T[], b: readonly T[], equal: (x: T, y: T) => boolean = Object.is): Op<T>[] {
  let start = 0;
  while (start < a.length && start < b.length && equal(a[start]!, b[start]!)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && equal(a[endA - 1]!, b[endB - 1]!)) {
    endA--;
    endB--;
  }
  const head: Op<T>[] = a.slice(0, start).map((x, i) => ({ op: "same", a: x, b: b[i]! }));
  const tail: Op<T>[] = a.slice(endA).map((x, i) => ({ op: "same", a: x, b: b[endB + i]! }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  const middle: Op<T>[] = [];
  if (n * m > MAX_CELLS) {
    for (const x of midA) middle.push({ op: "del", a: x });
    for (const y of midB) middle.push({ op: "ins", b: y });
    return [...head, ...middle, ...tail];
  }
  // lengths[i][j] = LCS length of midA[i..] and midB[j..], in one flat array.
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] = equal(midA[i]!, midB[j]!)
        ? lengths[(i + 1) * width + j + 1]! + 1
        : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (equal(midA[i]!, midB[j]!)) {
      middle.push({ op: "same", a: midA[i]!, b: midB[j]! });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) {
      middle.push({ op: "del", a: midA[i++]! });
    } else {
      middle.push({ op: "ins", b: midB[j++]! });
    }
  }
  while (i < n) middle.push({ op: "del", a: midA[i++]! });
  while (j < m) middle.push({ op: "ins", b: midB[j++]! });
  return [...head, ...middle, ...tail];
}

/** Words, runs of white space and single punctuation marks. */
function tokens(line: string): string[] {
  return line.match(/\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

function merge(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last && last.changed === s.changed) last.text += s.text;
    else out.push({ ...s });
  }
  return out;
}

/** Word-level highlights of a changed line pair: what left lost and what right gained. */
export function diffWords(left: string, right: string): { left: Segment[]; right: Segment[] } {
  const ops = diffSequences(tokens(left), tokens(right));
  const l: Segment[] = [];
  const r: Segment[] = [];
  for (const o of ops) {
    if (o.op === "same") {
      l.push({ text: o.a, changed: false });
      r.push({ text: o.b, changed: false });
    } else if (o.op === "del") l.push({ text: o.a, changed: true });
    else r.push({ text: o.b, changed: true });
  }
  return { left: merge(l), right: merge(r) };
}

const splitLines = (text: string) => (text === "" ? [] : text.replace(/\r\n?/g, "\n").split("\n"));
const plain = (line: number, text: string): DiffSide => ({ line, text, segments: [{ text, changed: false }] });
const whole = (line: number, text: string): DiffSide => ({ line, text, segments: [{ text, changed: true }] });

/**
 * Side-by-side rows from `before` to `after`. A run of removed lines followed
 * by a run of added ones is paired line by line as "changed" (with word
 * highlights); what is left over of either run stays removed or added.
 */
export function diffLines(before: string, after: string): DiffRow[] {
  const ops = diffSequences(splitLines(before), splitLines(after));
  const rows: DiffRow[] = [];
  let lineA = 0;
  let lineB = 0;
  for (let k = 0; k < ops.length; ) {
    const o = ops[k]!;
    if (o.op === "same") {
      lineA++;
      lineB++;
      rows.push({ kind: "same", left: plain(lineA, o.a), right: plain(lineB, o.b) });
      k++;
      continue;
    }
    const removed: string[] = [];
    const added: string[] = [];
    while (k < ops.length && ops[k]!.op === "del") removed.push((ops[k++] as { a: string }).a);
    while (k < ops.length && ops[k]!.op === "ins") added.push((ops[k++] as { b: string }).b);
    const paired = Math.min(removed.length, added.length);
    for (let p = 0; p < paired; p++) {
      const words = diffWords(removed[p]!, added[p]!);
      lineA++;
      lineB++;
      rows.push({
        kind: "changed",
        left: { line: lineA, text: removed[p]!, segments: words.left },
        right: { line: lineB, text: added[p]!, segments: words.right },
      });
    }
    for (const text of removed.slice(paired)) rows.push({ kind: "removed", left: whole(++lineA, text), right: null });
    for (const text of added.slice(paired)) rows.push({ kind: "added", left: null, right: whole(++lineB, text) });
  }
  return rows;
}

/** Canonical JSON (sorted object keys), so `{a,b}` and `{b,a}` compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Top-level keys of two configs, in sorted order, that were added, removed or changed. */
export function diffConfig(before: Record<string, unknown>, after: Record<string, unknown>): ConfigChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changes: ConfigChange[] = [];
  for (const key of keys) {
    const had = Object.hasOwn(before, key);
    const has = Object.hasOwn(after, key);
    if (had && !has) changes.push({ key, kind: "removed", before: before[key] });
    else if (!had && has) changes.push({ key, kind: "added", after: after[key] });
    else if (canonical(before[key]) !== canonical(after[key])) changes.push({ key, kind: "changed", before: before[key], after: after[key] });
  }
  return changes;
}
