/**
 * Reads of the prompt registry for the Prompts pages and GET /api/v1/prompts/{name}:
 * the registry list, one prompt's versions, one version (by number or label),
 * the diff of two versions, and the JSON shape of a version (DESIGN.md "Prompt").
 */
import "server-only";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Arm } from "./canary";
import { diffConfig, diffLines, type ConfigChange, type DiffRow } from "./diff";
import type { LabelHistoryJson } from "./labels-schema";
import { loadTemplate, templatePlaceholders, templateText, templateType, type PromptJson, type PromptTemplate, type PromptType } from "./schemas";

/** A label as shown: where it points, its canary split if any, whether moving it needs an approval. */
export interface LabelView {
  name: string;
  version: number;
  canary: { version: number; weight: number } | null;
  protected: boolean;
}

const LABEL_SELECT = {
  name: true,
  version: { select: { version: true } },
  canaryVersion: { select: { version: true } },
  canaryWeight: true,
} as const;

function labelView(
  l: { name: string; version: { version: number }; canaryVersion: { version: number } | null; canaryWeight: number | null },
  protectedLabels: readonly string[],
): LabelView {
  return {
    name: l.name,
    version: l.version.version,
    canary: l.canaryVersion && l.canaryWeight ? { version: l.canaryVersion.version, weight: l.canaryWeight } : null,
    protected: protectedLabels.includes(l.name),
  };
}

export interface PromptListItem {
  name: string;
  description: string | null;
  type: PromptType;
  versions: number;
  latestVersion: number;
  labels: LabelView[];
  lastChangedAt: Date;
  lastChangedBy: string;
}

export interface PromptListFilter {
  q?: string;
  type?: PromptType;
}

const MAX_LIST = 500;

/** Every prompt whose name or description contains `q` (case-insensitive), of `type` by its latest version; latest change first. */
export async function listPrompts(filter: PromptListFilter = {}): Promise<PromptListItem[]> {
  const q = filter.q?.trim();
  const rows = await db.prompt.findMany({
    where: q ? { OR: [{ name: { contains: q, mode: "insensitive" } }, { description: { contains: q, mode: "insensitive" } }] } : {},
    include: {
      _count: { select: { versions: true } },
      versions: { orderBy: { version: "desc" }, take: 1, select: { version: true, template: true, createdAt: true, createdByName: true } },
      labels: { orderBy: { name: "asc" }, select: LABEL_SELECT },
    },
    take: MAX_LIST,
  });
  const items: PromptListItem[] = [];
  for (const r of rows) {
    const latest = r.versions[0];
    if (!latest) continue; // a prompt exists only with its first version; skip one caught mid-creation
    const type = templateType(loadTemplate(latest.template));
    if (filter.type && filter.type !== type) continue;
    items.push({
      name: r.name,
      description: r.description,
      type,
      versions: r._count.versions,
      latestVersion: latest.version,
      labels: r.labels.map((l) => labelView(l, r.protectedLabels)),
      lastChangedAt: latest.createdAt,
      lastChangedBy: latest.createdByName,
    });
  }
  return items.sort((a, b) => b.lastChangedAt.getTime() - a.lastChangedAt.getTime() || a.name.localeCompare(b.name));
}

export interface PromptVersionSummary {
  version: number;
  createdBy: string;
  message: string | null;
  createdAt: Date;
  labels: string[];
}

export interface PromptDetail {
  name: string;
  description: string | null;
  createdAt: Date;
  versions: PromptVersionSummary[];
  labels: LabelView[];
  /** Labels whose moves need an approved change, existing or not. */
  protectedLabels: string[];
}

/** A prompt and its version history (newest first), or null when unknown. */
export async function getPrompt(name: string): Promise<PromptDetail | null> {
  const prompt = await db.prompt.findUnique({
    where: { name },
    include: {
      versions: { orderBy: { version: "desc" }, select: { version: true, createdByName: true, message: true, createdAt: true, labels: { select: { name: true } } } },
      labels: { orderBy: { name: "asc" }, select: LABEL_SELECT },
    },
  });
  if (!prompt) return null;
  return {
    name: prompt.name,
    description: prompt.description,
    createdAt: prompt.createdAt,
    versions: prompt.versions.map((v) => ({
      version: v.version,
      createdBy: v.createdByName,
      message: v.message,
      createdAt: v.createdAt,
      labels: v.labels.map((l) => l.name).sort(),
    })),
    labels: prompt.labels.map((l) => labelView(l, prompt.protectedLabels)),
    protectedLabels: prompt.protectedLabels,
  };
}

export interface PromptVersionView {
  name: string;
  version: number;
  /** The label it was resolved through, if any. */
  label: string | null;
  template: PromptTemplate;
  type: PromptType;
  config: Record<string, unknown>;
  message: string | null;
  createdBy: string;
  createdAt: Date;
  placeholders: string[];
}

export interface PromptSplit {
  arm: Arm;
  weight: number;
  controlVersion: number;
  canaryVersion: number;
}

/** `key` (with a label, lib/prompts/serve.ts): the caller's sticky key for a canary split; without one a split is drawn at random. */
export type VersionSelector = { version: number } | { label: string; key?: string | null } | { latest: true };

function asConfig(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** One version of a prompt by number, by label or the latest; throws `not_found:prompt|prompt_version|prompt_label`. */
export async function getPromptVersion(name: string, selector: VersionSelector): Promise<PromptVersionView> {
  const prompt = await db.prompt.findUnique({ where: { name }, select: { id: true, name: true } });
  if (!prompt) throw new AppError("not_found:prompt", `There is no prompt named “${name}”.`);
  let row;
  let label: string | null = null;
  if ("label" in selector) {
    // The console shows a label's own version; the API's canary pick is lib/prompts/serve.ts.
    const found = await db.promptLabel.findUnique({ where: { promptId_name: { promptId: prompt.id, name: selector.label } }, include: { version: true } });
    if (!found) throw new AppError("not_found:prompt_label", `The prompt “${name}” has no label “${selector.label}”.`);
    row = found.version;
    label = found.name;
  } else if ("version" in selector) {
    row = await db.promptVersion.findUnique({ where: { promptId_version: { promptId: prompt.id, version: selector.version } } });
    if (!row) throw new AppError("not_found:prompt_version", `The prompt “${name}” has no version ${selector.version}.`);
  } else {
    row = await db.promptVersion.findFirst({ where: { promptId: prompt.id }, orderBy: { version: "desc" } });
    if (!row) throw new AppError("not_found:prompt_version", `The prompt “${name}” has no versions yet.`);
  }
  const template = loadTemplate(row.template);
  return {
    name: prompt.name,
    version: row.version,
    label,
    template,
    type: templateType(template),
    config: asConfig(row.config),
    message: row.message,
    createdBy: row.createdByName,
    createdAt: row.createdAt,
    placeholders: templatePlaceholders(template),
  };
}

/** The JSON shape of a version (DESIGN.md "Prompt"). */
export function promptJson(v: Pick<PromptVersionView, "name" | "version" | "label" | "template" | "config" | "message" | "createdBy" | "createdAt"> & { split?: PromptSplit | null }): PromptJson {
  return {
    ...(v.split ? { split: v.split } : {}),
    name: v.name,
    version: v.version,
    label: v.label,
    template: v.template,
    config: v.config,
    message: v.message,
    createdBy: v.createdBy,
    createdAt: v.createdAt.toISOString(),
  };
}

export interface PromptVersionDiff {
  from: PromptVersionView;
  to: PromptVersionView;
  typeChanged: boolean;
  template: DiffRow[];
  config: ConfigChange[];
  placeholders: { added: string[]; removed: string[] };
}

/** The template (line by line, word highlights) and config (key by key) differences from version `from` to `to`. */
export async function diffPromptVersions(name: string, from: number, to: number): Promise<PromptVersionDiff> {
  const [a, b] = await Promise.all([getPromptVersion(name, { version: from }), getPromptVersion(name, { version: to })]);
  return {
    from: a,
    to: b,
    typeChanged: a.type !== b.type,
    template: diffLines(templateText(a.template), templateText(b.template)),
    config: diffConfig(a.config, b.config),
    placeholders: {
      added: b.placeholders.filter((p) => !a.placeholders.includes(p)),
      removed: a.placeholders.filter((p) => !b.placeholders.includes(p)),
    },
  };
}

/** The labels of a prompt now, and their moves newest first (GET /api/v1/prompts/{name}/labels). */
export async function labelHistoryJson(name: string, label: string | undefined, limit: number): Promise<LabelHistoryJson> {
  const prompt = await db.prompt.findUnique({ where: { name }, select: { id: true, protectedLabels: true, labels: { orderBy: { name: "asc" }, select: LABEL_SELECT } } });
  if (!prompt) throw new AppError("not_found:prompt", `There is no prompt named “${name}”.`);
  const moves = await db.promptLabelMove.findMany({
    where: { promptId: prompt.id, ...(label ? { label } : {}) },
    orderBy: [{ movedAt: "desc" }, { id: "desc" }],
    take: limit,
  });
  return {
    name,
    labels: prompt.labels.map((l) => labelView(l, prompt.protectedLabels)).map((l) => ({ label: l.name, version: l.version, canary: l.canary, protected: l.protected })),
    protectedLabels: prompt.protectedLabels,
    history: moves.map((m) => ({
      label: m.label,
      version: m.version,
      fromVersion: m.fromVersion,
      canary: m.canaryVersion && m.canaryWeight ? { version: m.canaryVersion, weight: m.canaryWeight } : null,
      movedBy: m.movedByName,
      movedAt: m.movedAt.toISOString(),
      changeId: m.changeId,
    })),
  };
}
