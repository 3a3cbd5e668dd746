/**
 * The webhook signature scheme, for the sender and for receivers:
 * `Flightdeck-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is inside the MAC so a captured request cannot be replayed
 * outside the tolerance window; the receiver must hash the raw body bytes, not
 * a re-serialised parse of them. No dependency beyond node:crypto, so a
 * receiver written in TypeScript can copy this file as is.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "Flightdeck-Signature";
export const EVENT_ID_HEADER = "Flightdeck-Event-Id";
export const EVENT_TYPE_HEADER = "Flightdeck-Event-Type";
export const DEFAULT_TOLERANCE_SECONDS = 300;

type Body = string | Uint8Array;

function mac(secret: string, timestamp: number, body: Body): Buffer {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest();
}

/** The `Flightdeck-Signature` value for `body` sent at `timestamp` (unix seconds). */
export function signPayload(secret: string, body: Body, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error("The signature timestamp must be whole unix seconds.");
  return `t=${timestamp},v1=${mac(secret, timestamp, body).toString("hex")}`;
}

/** The three headers a delivery carries besides Content-Type and User-Agent. */
export function webhookHeaders(input: { secret: string; body: string; eventId: string; eventType: string; timestamp: number }): Record<string, string> {
  return {
    [SIGNATURE_HEADER]: signPayload(input.secret, input.body, input.timestamp),
    [EVENT_ID_HEADER]: input.eventId,
    [EVENT_TYPE_HEADER]: input.eventType,
  };
}

/** `t` and every `v1` of a header (several `v1` are allowed, so a receiver rotating secrets can be sent both). */
export function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,15}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

export interface VerifyOptions {
  /** How far the signed time may be from `now`, either way. */
  toleranceSeconds?: number;
  now?: Date;
}

/**
 * True when `header` is a valid signature of `body` under `secret`, made within
 * the tolerance window. Compares in constant time.
 */
export function verifySignature(secret: string, body: Body, header: string | null | undefined, options: VerifyOptions = {}): boolean {
  if (!header) return false;
  const parsed = parseSignatureHeader(header);
  if (!parsed) return false;
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return false;
  const expected = mac(secret, parsed.timestamp, body);
  // Every candidate is compared (no early exit), so timing says nothing about which one matched.
  let ok = false;
  for (const candidate of parsed.signatures) {
    ok = timingSafeEqual(expected, Buffer.from(candidate, "hex")) || ok;
  }
  return ok;
}
