/**
 * Row ids for rows the ingestion path inserts with raw SQL (Prisma's
 * `@default(cuid())` only applies to rows created through the client).
 * Same shape as a cuid: `c` + time + counter + randomness, 25 lowercase
 * base-36 characters, roughly sortable by creation time.
 */
import { randomBytes } from "node:crypto";

let counter = Math.floor(Math.random() * 1_679_616);
let pool = Buffer.alloc(0);
let offset = 0;

function randomPart(length: number): string {
  if (offset + length > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  let out = "";
  for (let i = 0; i < length; i++) out += (pool[offset + i]! % 36).toString(36);
  offset += length;
  return out;
}

export function newId(): string {
  counter = (counter + 1) % 1_679_616; // 36^4
  return `c${Date.now().toString(36).padStart(8, "0")}${counter.toString(36).padStart(4, "0")}${randomPart(12)}`;
}

/** Ids of runs and steps as they appear in URLs: a cuid-like id. */
export const ROW_ID = /^c[a-z0-9]{20,31}$/;

/** A keyset-pagination cursor's content: the last row's sort value and its id. */
export type CursorValue = string | number;

/** The one cursor codec of the console and the API: opaque base64url of `[value, id]`. */
export function encodeCursor(value: CursorValue, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString("base64url");
}

/** The cursor's `[value, id]`, or null when it is not one `encodeCursor` made (tampered, truncated, foreign). */
export function decodeCursor(cursor: string | undefined | null): [CursorValue, string] | null {
  if (!cursor) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (typeof parsed[0] === "string" || (typeof parsed[0] === "number" && Number.isFinite(parsed[0]))) &&
      typeof parsed[1] === "string" &&
      ROW_ID.test(parsed[1])
    ) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // Not base64url JSON: not ours.
  }
  return null;
}
