/**
 * The prompt registry's audited commands: creating a prompt (on its first
 * version) and publishing a new, immutable, numbered version. Behind the
 * console's "New version" form and POST /api/v1/prompts/{name}/versions.
 *
 * Numbering under concurrency: the prompt row is inserted with
 * `ON CONFLICT DO NOTHING` (concurrent first versions wait on the unique name,
 * then see the row) and locked `FOR UPDATE` before the next number is read, so
 * publishers of one prompt take turns and versions run 1, 2, 3… with no gap or
 * duplicate; the unique (promptId, version) index backs this up. No command
 * updates or deletes a version: versions are immutable.
 */
import type { Actor } from "@/lib/audit";
import { defineCommand, execute } from "@/lib/commands";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { storeTemplate, templateType, type CreatePromptVersionInput, type PromptConfig, type PromptTemplate } from "./schemas";

const WRITE = { user: "prompts:write", key: "prompts:write" } as const;

export interface PromptRow {
  id: string;
  name: string;
  created: boolean;
}

export interface CreatedPromptVersion {
  id: string;
  promptId: string;
  name: string;
  version: number;
  template: PromptTemplate;
  config: PromptConfig;
  message: string;
  createdBy: string;
  createdAt: Date;
}

/** Ensures the prompt exists and locks its row for the rest of the transaction; audited only when it was created. */
export const createPromptCommand = defineCommand("prompt.create", WRITE, async (tx, _actor, name: string) => {
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "Prompt" ("id", "name", "createdAt") VALUES (${newId()}, ${name}, now())
    ON CONFLICT ("name") DO NOTHING
    RETURNING "id"`;
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Prompt" WHERE "name" = ${name} FOR UPDATE`;
  const id = locked[0]?.id;
  if (!id) throw new AppError("conflict:prompt", `The prompt “${name}” was removed while saving; try again.`);
  const created = inserted.length > 0;
  return {
    result: { id, name, created } satisfies PromptRow,
    audit: created ? { targetType: "prompt", targetId: id, before: null, after: { id, name } } : null,
  };
});

/** Publishes the next version of a prompt (creating the prompt on its first version). */
export const createPromptVersionCommand = defineCommand("prompt_version.create", WRITE, async (tx, actor, input: CreatePromptVersionInput) => {
  const prompt = await createPromptCommand(tx, actor, input.name);
  const last = await tx.promptVersion.aggregate({ where: { promptId: prompt.id }, _max: { version: true } });
  const version = (last._max.version ?? 0) + 1;
  const row = await tx.promptVersion.create({
    data: {
      promptId: prompt.id,
      version,
      template: storeTemplate(input.template),
      config: input.config as object,
      message: input.message,
      createdById: actor.type === "USER" ? actor.id : null,
      createdByName: actor.label,
    },
  });
  const result: CreatedPromptVersion = {
    id: row.id,
    promptId: prompt.id,
    name: prompt.name,
    version,
    template: input.template,
    config: input.config,
    message: input.message,
    createdBy: row.createdByName,
    createdAt: row.createdAt,
  };
  return {
    result,
    audit: {
      targetType: "prompt_version",
      targetId: row.id,
      before: null,
      after: { prompt: prompt.name, version, type: templateType(input.template), template: input.template, config: input.config, message: input.message },
      metadata: { promptId: prompt.id, promptCreated: prompt.created },
    },
  };
});

/** Publishing waits for other publishers of the same prompt, so allow more than Prisma's default 2 s to get a connection. */
const OPTIONS = { maxWait: 10_000, timeout: 15_000 };

export const createPromptVersion = (actor: Actor, name: string, input: Omit<CreatePromptVersionInput, "name">) =>
  execute(createPromptVersionCommand, actor, { ...input, name }, OPTIONS);
