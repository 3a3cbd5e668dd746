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
