/**
 * Redaction of personal data and secrets before anything is stored.
 * CONTRACT (ingestion calls this; keep the signatures): `loadRedactor(tx)`
 * once per ingestion transaction, then `redactor.redact(value)` on messages,
 * tool arguments and results; `count` goes to Step.redactions.
 */
import type { Tx } from "@/lib/db";

export interface Redactor {
  enabled: boolean;
  redact<T>(value: T): { value: T; count: number };
}

export const NO_REDACTION: Redactor = { enabled: false, redact: (value) => ({ value, count: 0 }) };

export async function loadRedactor(_tx: Tx): Promise<Redactor> {
  return NO_REDACTION;
}
