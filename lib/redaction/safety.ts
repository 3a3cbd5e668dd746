/**
 * Admins' custom redaction patterns run on every stored message, so a
 * catastrophic pattern (exponential backtracking) would stall ingestion. A
 * pattern is accepted only if it passes the static checks shared with regex
 * evaluators (safe-regex.ts: compiles, cannot match the empty string, no
 * backreferences, no repetition in lookarounds, no nested or ambiguous
 * repetitions, no overlapping open-ended neighbours), and finishes within a
 * time limit on adversarial inputs the size of one matching window, measured
 * in a worker thread that is killed when it overruns. At run time, long
 * strings are matched window by window (SafeRegex).
 */
import { Worker } from "node:worker_threads";
import { checkPattern, SLICE_LENGTH, WINDOW_CONTEXT, type PatternCheck } from "./safe-regex";

export { MAX_PATTERN_LENGTH, type PatternCheck } from "./safe-regex";
const TIME_LIMIT_MS = 300;

/**
 * Finds a quantified group whose body has an unbounded quantifier: the
 * commonest shape of catastrophic backtracking (safe-regex.ts refuses it and
 * the others; this quick textual form is kept for callers that only want it).
 */
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

/** Inputs the size of the largest window SafeRegex ever searches. */
function adversarialInputs(): string[] {
  const n = SLICE_LENGTH + 2 * WINDOW_CONTEXT;
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
  return checkPattern(pattern);
}

/** Static checks, then a timed run on adversarial inputs in a worker. */
export async function checkCustomPattern(pattern: string): Promise<PatternCheck> {
  const statically = checkPatternStatically(pattern);
  if (!statically.ok) return statically;
  const finished = await runWithTimeLimit(pattern, adversarialInputs());
  if (!finished) {
    return { ok: false, reason: `The pattern took longer than ${TIME_LIMIT_MS} ms on a ${SLICE_LENGTH + 2 * WINDOW_CONTEXT}-character test input; simplify it.` };
  }
  return { ok: true };
}
