/**
 * "Approved means exactly this": a clearance is bound to the hash of the
 * arguments approved, the SHA-256 of their canonical JSON (keys sorted at every
 * depth), so the tool call that executes it can be compared however its
 * arguments were serialised.
 */
import { createHash } from "node:crypto";
import { canonicalJson, toJsonValue } from "@/lib/audit/canonical";

export function argumentsHash(args: unknown): string {
  return createHash("sha256").update(canonicalJson(toJsonValue(args ?? {}))).digest("hex");
}
