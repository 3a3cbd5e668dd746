/** Reads of the redaction configuration for Settings. */
import "server-only";
import { db } from "@/lib/db";
import { loadRedactionConfig } from "./redactor";
import { BUILTIN_KINDS, BUILTIN_LABELS, customMarkerType } from "./detectors";

export async function getRedactionSettings() {
  const [config, custom] = await Promise.all([
    loadRedactionConfig(db),
    db.redactionRule.findMany({
      where: { kind: "CUSTOM" },
      orderBy: { createdAt: "asc" },
      select: { id: true, name: true, pattern: true, enabled: true, createdAt: true },
    }),
  ]);
  return {
    enabled: config.enabled,
    builtins: BUILTIN_KINDS.map((kind) => ({ kind, ...BUILTIN_LABELS[kind], enabled: config.builtins[kind] !== false })),
    custom: custom.map((r) => ({
      id: r.id,
      name: r.name,
      pattern: r.pattern ?? "",
      enabled: r.enabled,
      marker: `[REDACTED:${customMarkerType(r.name)}]`,
      createdAt: r.createdAt.toISOString(),
    })),
  };
}
export type RedactionSettings = Awaited<ReturnType<typeof getRedactionSettings>>;
