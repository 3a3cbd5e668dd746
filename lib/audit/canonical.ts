/**
 * Canonical JSON for hashing: keys sorted at every depth, no whitespace, and
 * only JSON values (dates as ISO strings, bigints and decimals as strings).
 * What is stored in JSONB and read back canonicalises to the same text.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Converts any value into plain JSON, the form it will have after a JSONB round trip. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value.replace(/\u0000/g, "");
  // Fractions to 15 significant digits: a 17-digit double (143.68306666666666) comes back from JSONB as
  // 143.6830666666667, and the hash must be of what is stored. Every double of 15 digits or fewer is unchanged.
  if (typeof value === "number") return Number.isFinite(value) ? (Number.isInteger(value) ? value : Number(value.toPrecision(15))) : null;
  if (typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === "object") {
    // Prisma Decimal and similar value objects.
    if (typeof (value as { toJSON?: unknown }).toJSON === "function" && !(value.constructor === Object)) {
      return toJsonValue((value as { toJSON: () => unknown }).toJSON());
    }
    const out: { [key: string]: JsonValue } = {};
    for (const [key, v] of Object.entries(value)) {
      if (v !== undefined && typeof v !== "function") out[key] = toJsonValue(v);
    }
    return out;
  }
  return null;
}

export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(",")}}`;
}
