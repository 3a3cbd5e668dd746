// One prompt: its version history, the selected version's template, config and placeholders, a diff of two versions, and a new version.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { CurrentLabels, LabelHistory } from "@/components/prompts/labels-panel";
import { MoveLabelForm, ProtectedLabelsForm } from "@/components/prompts/move-label-form";
import { NewVersionForm } from "@/components/prompts/new-version-form";
import { Suspense } from "react";
import { DriftSection, DriftSectionSkeleton } from "./drift-section";
import { ConfigView, PlaceholderList, TemplateView, VersionsTable } from "@/components/prompts/version-details";
import { CompareForm, ConfigDiff, TemplateDiff } from "@/components/prompts/version-diff";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { labelHistory, pendingOfPrompt } from "@/lib/changes/queries";
import { diffPromptVersions, getPrompt, getPromptVersion } from "@/lib/prompts/queries";
import { promptNameSchema } from "@/lib/prompts/schemas";
import { hasScope } from "@/lib/rbac";
import { requirePageScope } from "@/lib/session";

type Params = Promise<{ name: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: `Prompt ${decodeURIComponent((await params).name)}` };
}

/** A version number present in `versions`, else undefined. */
function versionParam(value: string | string[] | undefined, versions: number[]): number | undefined {
  if (typeof value !== "string" || !/^[1-9]\d{0,8}$/.test(value)) return undefined;
  const n = Number(value);
  return versions.includes(n) ? n : undefined;
}

export default async function PromptPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const me = await requirePageScope("prompts:read");
  const parsedName = promptNameSchema.safeParse(decodeURIComponent((await params).name));
  if (!parsedName.success) notFound();
  const prompt = await getPrompt(parsedName.data);
  if (!prompt || prompt.versions.length === 0) notFound();
  const query = await searchParams;
  const numbers = prompt.versions.map((v) => v.version);
  const selected = versionParam(query.version, numbers) ?? numbers[0]!;
  const from = versionParam(query.from, numbers);
  const to = versionParam(query.to, numbers);
  const [version, diff, moves, pendingChanges] = await Promise.all([
    getPromptVersion(prompt.name, { version: selected }),
    from !== undefined && to !== undefined ? diffPromptVersions(prompt.name, from, to) : Promise.resolve(null),
    labelHistory(prompt.name),
    pendingLabelChanges(prompt.name),
  ]);
  const canWrite = hasScope(me.role, "prompts:write");
  const canPropose = hasScope(me.role, "changes:propose");
  const defaults = {
    format: version.type,
    template: typeof version.template === "string" ? version.template : JSON.stringify(version.template, null, 2),
    config: Object.keys(version.config).length ? JSON.stringify(version.config, null, 2) : "",
  };
  return (
    <>
      <PageHeader
        title={prompt.name}
        description={prompt.description ?? `${numbers.length} version${numbers.length === 1 ? "" : "s"}; versions never change once published.`}
        actions={prompt.labels.map((l) => (
          <Badge key={l.name} tone="green">
            {l.name} → v{l.version}
            {l.canary ? ` + v${l.canary.version} (${l.canary.weight} %)` : ""}
          </Badge>
        ))}
      />
      <div className="mb-6 grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader title="Labels" description="What agents get with ?label=…; a protected label moves only when a second person approves." />
          <CurrentLabels labels={prompt.labels} protectedLabels={prompt.protectedLabels} pending={pendingChanges} />
          {hasScope(me.role, "admin") && (
            <div className="border-t border-slate-100">
              <ProtectedLabelsForm prompt={prompt.name} protectedLabels={prompt.protectedLabels} />
            </div>
          )}
        </Card>
        {canPropose && (
          <Card>
            <CardHeader title="Move a label" description="Point a label at a version, or split its traffic with a canary." />
            <MoveLabelForm prompt={prompt.name} versions={numbers} labels={prompt.labels.map((l) => l.name)} protectedLabels={prompt.protectedLabels} />
          </Card>
        )}
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader title="Versions" />
          <VersionsTable name={prompt.name} versions={prompt.versions} selected={selected} />
        </Card>
        <Card>
          <CardHeader
            title={`Version ${version.version}`}
            description={`${version.type === "chat" ? "Chat" : "Text"} template by ${version.createdBy}`}
            action={
              <span className="text-xs text-slate-500">
                <Time value={version.createdAt} />
              </span>
            }
          />
          <div className="space-y-4 px-5 py-4">
            {version.message && <p className="text-sm text-slate-700">{version.message}</p>}
            <DetailSection id="template-heading" title="Template">
              <TemplateView template={version.template} />
            </DetailSection>
            <DetailSection id="placeholders-heading" title="Placeholders">
              <PlaceholderList placeholders={version.placeholders} />
            </DetailSection>
            <DetailSection id="config-heading" title="Config">
              <ConfigView config={version.config} />
            </DetailSection>
          </div>
        </Card>
      </div>
      <Card className="mt-6">
        <CardHeader title="Compare versions" description="Side by side: the template line by line with changed words highlighted, and the config key by key." />
        <div className="px-5 py-4">
          {numbers.length < 2 ? (
            <p className="text-sm text-slate-600">Publish a second version to compare.</p>
          ) : (
            <CompareForm name={prompt.name} versions={numbers} from={from} to={to} />
          )}
        </div>
        {diff && (
          <div className="border-t border-slate-100" aria-label={`Diff v${diff.from.version} → v${diff.to.version}`} role="region">
            {diff.typeChanged && <p className="px-5 pt-3 text-sm text-amber-700">The format changed from {diff.from.type} to {diff.to.type}.</p>}
            <TemplateDiff rows={diff.template} fromVersion={diff.from.version} toVersion={diff.to.version} />
            <div className="space-y-2 border-t border-slate-100 px-5 py-4">
              <h3 className="text-sm font-semibold text-slate-800">Config</h3>
              <ConfigDiff changes={diff.config} />
              {(diff.placeholders.added.length > 0 || diff.placeholders.removed.length > 0) && (
                <p className="text-xs text-slate-600">
                  Placeholders {diff.placeholders.added.length > 0 && <>added: {diff.placeholders.added.map((p) => `{{${p}}}`).join(", ")} </>}
                  {diff.placeholders.removed.length > 0 && <>removed: {diff.placeholders.removed.map((p) => `{{${p}}}`).join(", ")}</>}
                </p>
              )}
            </div>
          </div>
        )}
      </Card>
      <Suspense fallback={<DriftSectionSkeleton />}>
        <DriftSection name={prompt.name} />
      </Suspense>
      <Card className="mt-6">
        <CardHeader title="Label history" description="Every move of every label: which version each served, from when until when, who moved it and through which change." />
        <LabelHistory moves={moves} />
      </Card>
      {canWrite && (
        <Card className="mt-6">
          <CardHeader title="New version" description={`Publishes version ${numbers[0]! + 1} (starting from version ${version.version}); labels do not move.`} />
          {/* Remounted (new defaults) only when a version is picked: publishing re-renders with the next latest, and the form keeps its result. */}
          <NewVersionForm key={query.version ? `v${selected}` : "latest"} name={prompt.name} defaults={defaults} />
        </Card>
      )}
    </>
  );
}

/** Pending label changes of a prompt, by label. */
async function pendingLabelChanges(prompt: string): Promise<Map<string, { id: string; title: string }>> {
  const rows = await pendingOfPrompt(prompt);
  return new Map(rows.map((r) => [r.targetId.slice(prompt.length + 1), { id: r.id, title: r.title }]));
}

/** One titled part of the selected version (template, placeholders, config). */
function DetailSection({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section aria-labelledby={id}>
      <h3 id={id} className="mb-1 text-sm font-semibold text-slate-800">
        {title}
      </h3>
      {children}
    </section>
  );
}
