/**
 * The canary / A-B split of a label: which version a caller gets. With a
 * caller-supplied key (a run or conversation id) the choice is stable: the key
 * hashes to one of 10,000 buckets and buckets below `weight` % take the
 * canary, so the same key always gets the same version, and raising the
 * weight only moves callers from control to canary, never back. Without a key
 * each request is drawn at random with the same odds.
 */
import { createHash, randomInt } from "node:crypto";

export const BUCKETS = 10_000;

/** The bucket (0…9,999) of a key for one prompt's label. */
export function bucketOf(prompt: string, label: string, key: string): number {
  const digest = createHash("sha256").update(`${prompt}\u0000${label}\u0000${key}`).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

export type Arm = "control" | "canary";

/** The arm a caller lands in, for a canary taking `weight` % (1-99). */
export function pickArm(prompt: string, label: string, weight: number, key: string | null): Arm {
  const bucket = key === null ? randomInt(BUCKETS) : bucketOf(prompt, label, key);
  return bucket < weight * (BUCKETS / 100) ? "canary" : "control";
}
