/**
 * API key material. A key is `fd_` + 32 base62 characters (~190 bits); only its
 * SHA-256 is stored, with a short prefix people can recognise in lists.
 */
import { createHash, randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const KEY_PREFIX = "fd_";
const KEY_BODY_LENGTH = 32;
const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 6;

export function generateApiKey(): string {
  const bytes = randomBytes(KEY_BODY_LENGTH * 2);
  let body = "";
  // Rejection sampling keeps every character equally likely.
  for (const byte of bytes) {
    if (byte < 248) body += ALPHABET[byte % 62];
    if (body.length === KEY_BODY_LENGTH) break;
  }
  return body.length === KEY_BODY_LENGTH ? KEY_PREFIX + body : generateApiKey();
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export function displayPrefix(key: string): string {
  return key.slice(0, SHOWN_PREFIX_LENGTH);
}

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
