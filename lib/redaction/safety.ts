/**
 * Admins' custom redaction patterns run on every stored message, so a
 * catastrophic pattern (exponential backtracking) would stall ingestion. A
 * pattern is accepted only if it compiles, cannot match the empty string, has
 * no quantified group that itself contains an unbounded quantifier (`(a+)+`,
 * `(.*)*`, `(\w+\s?)*`), and finishes within a time limit on adversarial
 * inputs, measured in a worker thread that is killed when it overruns. At run
 * time, long strings are matched in slices (detectors.ts).
 */
import { Worker } from "node:worker_threads";
import { CUSTOM_SLICE_LENGTH } from "./detectors";

export const MAX_PATTERN_LENGTH = 500;
const TIME_LIMIT_MS = 300;

export type PatternCheck = { ok: true } | { ok: false; reason: string };

/** Finds a quantified group whose body has an unbounded quantifier: the shape of catastrophic backtracking. */
export function hasNestedQuantifier(pattern: string): boolean {
  // For each open group: does its body contain an unbounded quantifier?
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      continue;
    }
    if (ch === "(") {
      stack.push(false);
      continue;
    }
    const unboundedAt = (j: number) => pattern[j] === "*" || pattern[j] === "+" || (pattern[j] === "{" && /^\{\d*,\}/.test(pattern.slice(j)));
    if (ch === ")") {
      const innerUnbounded = stack.pop() ?? false;
      const quantified = unboundedAt(i + 1) || pattern[i + 1] === "{";
      if (innerUnbounded && quantified) return true;
      // A group that contains an unbounded quantifier makes its parent's body unbounded too.
      if (stack.length && (innerUnbounded || unboundedAt(i + 1))) stack[stack.length - 1] = true;
      continue;
    }
    if (unboundedAt(i) && stack.length) stack[stack.length - 1] = true;
  }
  return false;
}

function adversarialInputs(): string[] {
  const n = CUSTOM_SLICE_LENGTH;
  return [
    "a".repeat(n - 1) + "!",
    "1".repeat(n - 1) + "x",
    " ".repeat(n - 1) + "\u0000",
    "ab".repeat(n / 2 - 1) + "!",
    "a1 ".repeat(n / 3) + "@",
    "x@y.".repeat(n / 4),
    "-".repeat(n - 1) + "A",
  ];
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const re = new RegExp(workerData.pattern, "g");
for (const input of workerData.inputs) input.replace(re, "");
parentPort.postMessage("done");
`;

function runWithTimeLimit(pattern: string, inputs: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pattern, inputs } });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve(false);
    }, TIME_LIMIT_MS);
    worker.once("message", () => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(true);
    });
    worker.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Static checks only (fast, synchronous): used by zod schemas. */
export function checkPatternStatically(pattern: string): PatternCheck {
  if (pattern.length === 0) return { ok: false, reason: "Enter a regular expression." };
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `At most ${MAX_PATTERN_LENGTH} characters.` };
  let re: RegExp;
  try {
    re = new RegExp(pattern, "g");
  } catch (error) {
    return { ok: false, reason: `Not a valid regular expression: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (re.test("") || new RegExp(`^(?:${pattern})$`).test("")) {
    return { ok: false, reason: "The pattern matches the empty string; it must match at least one character." };
  }
  if (hasNestedQuantifier(pattern)) {
    return {
      ok: false,
      reason: "A repeated group contains another open-ended repetition (like (a+)+ or (\\w+\\s?)*), which can take exponential time. Rewrite it without the nesting.",
    };
  }
  return { ok: true };
}

/** Static checks, then a timed run on adversarial inputs in a worker. */
export async function checkCustomPattern(pattern: string): Promise<PatternCheck> {
  const statically = checkPatternStatically(pattern);
  if (!statically.ok) return statically;
  const finished = await runWithTimeLimit(pattern, adversarialInputs());
  if (!finished) {
    return { ok: false, reason: `The pattern took longer than ${TIME_LIMIT_MS} ms on a ${CUSTOM_SLICE_LENGTH}-character test input; simplify it.` };
  }
  return { ok: true };
}
