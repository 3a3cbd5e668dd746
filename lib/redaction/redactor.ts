/**
 * Redaction of personal data and secrets before anything is stored.
 * CONTRACT (ingestion calls this; keep the signatures): `loadRedactor(tx)`
 * once per ingestion transaction, then `redactor.redact(value)` on messages,
 * tool arguments and results; `count` goes to Step.redactions.
 *
 * Configuration: the Setting `redaction.enabled` (off unless set to true),
 * built-in detectors (on unless a RedactionRule row of that kind with no
 * pattern disables it) and custom patterns (RedactionRule rows of kind CUSTOM).
 */
import type { Tx } from "@/lib/db";
import {
  BUILTIN_KINDS,
  builtinRule,
  customRule,
  redactJson,
  redactJsonAsync,
  type BuiltinKind,
  type StringRule,
} from "./detectors";

export interface Redactor {
  enabled: boolean;
  redact<T>(value: T): { value: T; count: number };
  /**
   * The same result, yielding to the event loop every few milliseconds (for
   * large bodies: synchronous redaction of 16 MB blocks the process for a
   * second or more). Ingestion does not call it yet: see bench/README.md.
   */
  redactAsync<T>(value: T): Promise<{ value: T; count: number }>;
}

const unchanged = <T>(value: T) => ({ value, count: 0 });

export const NO_REDACTION: Redactor = { enabled: false, redact: unchanged, redactAsync: async (value) => unchanged(value) };

export const REDACTION_ENABLED_KEY = "redaction.enabled";

export interface RedactionConfig {
  enabled: boolean;
  builtins: Partial<Record<BuiltinKind, boolean>>;
  custom: { name: string; pattern: string; enabled: boolean }[];
}

/**
 * Builds the redactor for a configuration; a custom pattern that no longer
 * compiles, or that the (since strengthened) safety checks refuse, is skipped
 * with its reason in the log, not fatal.
 */
export function createRedactor(config: RedactionConfig): Redactor {
  if (!config.enabled) return NO_REDACTION;
  const rules: StringRule[] = [];
  for (const kind of BUILTIN_KINDS) if (config.builtins[kind] !== false) rules.push(builtinRule(kind));
  for (const c of config.custom) {
    if (!c.enabled) continue;
    try {
      rules.push(customRule(c.name, c.pattern));
    } catch (error) {
      console.warn(`[flightdeck] redaction rule “${c.name}” skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (rules.length === 0) return { enabled: true, redact: unchanged, redactAsync: async (value) => unchanged(value) };
  return { enabled: true, redact: (value) => redactJson(value, rules), redactAsync: (value) => redactJsonAsync(value, rules) };
}

export function isBuiltinKind(kind: string): kind is BuiltinKind {
  return (BUILTIN_KINDS as readonly string[]).includes(kind);
}

export async function loadRedactionConfig(tx: Tx): Promise<RedactionConfig> {
  const [setting, rules] = await Promise.all([
    tx.setting.findUnique({ where: { key: REDACTION_ENABLED_KEY } }),
    tx.redactionRule.findMany({ orderBy: { createdAt: "asc" } }),
  ]);
  const builtins: RedactionConfig["builtins"] = {};
  const custom: RedactionConfig["custom"] = [];
  for (const r of rules) {
    if (r.kind === "CUSTOM") {
      if (r.pattern) custom.push({ name: r.name, pattern: r.pattern, enabled: r.enabled });
    } else if (isBuiltinKind(r.kind) && !r.pattern) {
      builtins[r.kind] = r.enabled;
    }
  }
  return { enabled: setting?.value === true, builtins, custom };
}

export async function loadRedactor(tx: Tx): Promise<Redactor> {
  // The common case (redaction off) costs one primary-key read.
  const setting = await tx.setting.findUnique({ where: { key: REDACTION_ENABLED_KEY } });
  if (setting?.value !== true) return NO_REDACTION;
  return createRedactor(await loadRedactionConfig(tx));
}

/**
 * The redaction configuration's version: changes whenever an admin switches
 * redaction, a detector or a rule, on any instance. A SQL expression taking
 * the setting key as `$1`, so hot paths read it in a statement they send
 * anyway; clearance requests and ingestion key their cached redactor on it.
 */
export const REDACTION_VERSION_SQL = `(SELECT md5(COALESCE((SELECT value::text FROM "Setting" WHERE key = $1), '') || '|' || COALESCE(string_agg(r::text, ',' ORDER BY r.id), ''))
   FROM "RedactionRule" r)`;

const globalForRedactor = globalThis as unknown as { flightdeckRedactor?: { version: string; redactor: Redactor } };

/** The redactor for `version` (from REDACTION_VERSION_SQL, read in the same transaction), rebuilt only when it changed. */
export async function redactorForVersion(tx: Tx, version: string): Promise<Redactor> {
  let cached = globalForRedactor.flightdeckRedactor;
  if (cached?.version !== version) {
    cached = { version, redactor: await loadRedactor(tx) };
    globalForRedactor.flightdeckRedactor = cached;
  }
  return cached.redactor;
}
