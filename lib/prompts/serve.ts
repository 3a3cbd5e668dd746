/**
 * The prompt fetch agents make on every run (GET /api/v1/prompts/{name}), on
 * its hot path: one plain-pg statement resolves the prompt and where the label
 * points (never cached: a moved or rolled-back label is served on the very
 * next request, by every instance), and the answer's bytes come from a cache
 * keyed by everything they depend on. Versions are immutable, so an entry
 * never goes stale and needs no invalidation; the cache is bounded in bytes.
 */
import "server-only";
import { etagOf } from "@/lib/api/conditional";
import { readQuery } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { pickArm, type Arm } from "./canary";
import { promptJson, type PromptSplit, type VersionSelector } from "./queries";
import { loadTemplate, type PromptJson } from "./schemas";

export interface ServedPrompt {
  version: number;
  split: PromptSplit | null;
  /** The JSON answer, serialised, and its ETag. */
  body: string;
  etag: string;
}

interface Pointer {
  prompt_id: string;
  version_id: string | null;
  canary_id: string | null;
  canary_weight: number | null;
  label_found: boolean;
}

const BY_LABEL = `
  SELECT p."id" AS prompt_id, l."versionId" AS version_id, l."canaryVersionId" AS canary_id, l."canaryWeight" AS canary_weight, (l."id" IS NOT NULL) AS label_found
  FROM "Prompt" p LEFT JOIN "PromptLabel" l ON l."promptId" = p."id" AND l."name" = $2
  WHERE p."name" = $1`;
const BY_NUMBER = `
  SELECT p."id" AS prompt_id, v."id" AS version_id, NULL AS canary_id, NULL::int AS canary_weight, true AS label_found
  FROM "Prompt" p LEFT JOIN "PromptVersion" v ON v."promptId" = p."id" AND v."version" = $2
  WHERE p."name" = $1`;
const LATEST = `
  SELECT p."id" AS prompt_id, (SELECT v."id" FROM "PromptVersion" v WHERE v."promptId" = p."id" ORDER BY v."version" DESC LIMIT 1) AS version_id,
         NULL AS canary_id, NULL::int AS canary_weight, true AS label_found
  FROM "Prompt" p WHERE p."name" = $1`;

interface VersionRow {
  id: string;
  version: number;
  template: string;
  config: Record<string, unknown> | null;
  message: string | null;
  created_by: string;
  created_at: Date;
}

const VERSIONS = `
  SELECT v."id", v."version", v."template", v."config", v."message", v."createdByName" AS created_by, (v."createdAt" AT TIME ZONE 'UTC') AS created_at
  FROM "PromptVersion" v WHERE v."id" = ANY($1::text[])`;

/** Serialised answers by (version, label, split): at most this many bytes, oldest evicted first. */
const MAX_CACHE_BYTES = 32 * 1024 * 1024;
const answers = new Map<string, { body: string; etag: string; bytes: number }>();
let cachedBytes = 0;
const versions = new Map<string, VersionRow>();

function remember(key: string, body: string): { body: string; etag: string } {
  const entry = { body, etag: etagOf(body), bytes: body.length * 2 };
  if (entry.bytes > MAX_CACHE_BYTES / 8) return entry;
  answers.set(key, entry);
  cachedBytes += entry.bytes;
  for (const [oldest, value] of answers) {
    if (cachedBytes <= MAX_CACHE_BYTES) break;
    answers.delete(oldest);
    cachedBytes -= value.bytes;
  }
  return entry;
}

async function versionRows(ids: string[]): Promise<Map<string, VersionRow>> {
  const missing = ids.filter((id) => !versions.has(id));
  if (missing.length) {
    for (const row of await readQuery<VersionRow>(VERSIONS, [missing])) {
      if (versions.size > 10_000) versions.clear();
      versions.set(row.id, row);
    }
  }
  return new Map(ids.flatMap((id) => (versions.has(id) ? [[id, versions.get(id)!] as const] : [])));
}

/** Resolves and serialises the version a caller gets; throws not_found for an unknown prompt, version or label. */
export async function servePrompt(name: string, selector: VersionSelector): Promise<ServedPrompt> {
  const [pointer] =
    "label" in selector
      ? await readQuery<Pointer>(BY_LABEL, [name, selector.label])
      : "version" in selector
        ? await readQuery<Pointer>(BY_NUMBER, [name, selector.version])
        : await readQuery<Pointer>(LATEST, [name]);
  if (!pointer) throw new AppError("not_found:prompt", `There is no prompt named “${name}”.`);
  if ("label" in selector && !pointer.label_found) throw new AppError("not_found:prompt_label", `The prompt “${name}” has no label “${selector.label}”.`);
  if (!pointer.version_id) {
    throw new AppError("not_found:prompt_version", "version" in selector ? `The prompt “${name}” has no version ${selector.version}.` : `The prompt “${name}” has no versions yet.`);
  }
  const label = "label" in selector ? selector.label : null;
  const ids = pointer.canary_id ? [pointer.version_id, pointer.canary_id] : [pointer.version_id];
  const rows = await versionRows(ids);
  const control = rows.get(pointer.version_id);
  const canary = pointer.canary_id ? rows.get(pointer.canary_id) : undefined;
  if (!control) throw new AppError("not_found:prompt_version", `The prompt “${name}” has no such version.`);
  let served = control;
  let split: PromptSplit | null = null;
  if (canary && pointer.canary_weight && label) {
    const arm: Arm = pickArm(name, label, pointer.canary_weight, "key" in selector ? (selector.key ?? null) : null);
    split = { arm, weight: pointer.canary_weight, controlVersion: control.version, canaryVersion: canary.version };
    if (arm === "canary") served = canary;
  }
  const key = `${served.id}\u0000${label ?? ""}\u0000${split ? `${split.arm}:${split.weight}:${split.controlVersion}:${split.canaryVersion}` : ""}`;
  const hit = answers.get(key);
  const entry =
    hit ??
    remember(
      key,
      JSON.stringify(
        promptJson({
          name,
          version: served.version,
          label,
          template: loadTemplate(served.template),
          config: served.config && typeof served.config === "object" && !Array.isArray(served.config) ? served.config : {},
          message: served.message,
          createdBy: served.created_by,
          createdAt: served.created_at,
          split,
        }) satisfies PromptJson,
      ),
    );
  return { version: served.version, split, body: entry.body, etag: entry.etag };
}
