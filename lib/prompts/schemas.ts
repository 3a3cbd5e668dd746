/**
 * Validation of the prompt registry: prompt names, the new version body
 * `{ template, config, message }` (POST /api/v1/prompts/{name}/versions and the
 * console's "New version" form), the GET query, the JSON answers (DESIGN.md
 * "Prompt"), and the `{{variable}}` placeholders of a template.
 *
 * A template is a text string or a chat list. It is stored in the one
 * `PromptVersion.template` text column: text as-is, a chat list as its JSON.
 * So that a stored string reads back unambiguously, a text template that is
 * itself a valid chat list in JSON is refused (send it as a list).
 */
import { z } from "zod";

export const MAX_TEMPLATE_BYTES = 100_000;
export const MAX_CHAT_MESSAGES = 200;
export const MAX_CONFIG_BYTES = 100_000;
export const MAX_MESSAGE_CHARS = 500;
export const CHAT_ROLES = ["system", "user", "assistant", "tool"] as const;

const bytes = (s: string) => new TextEncoder().encode(s).length;

/**
 * Names the console's own pages take under /prompts (app/(console)/prompts/<name>/): a prompt of
 * that name could never be opened there. schemas.test.ts checks the list against the folders.
 */
export const RESERVED_PROMPT_NAMES: Readonly<Record<string, string>> = { log: "the Prompt log" };

/** Lower-case letters, digits and `.` `_` `-`, starting with a letter or digit: safe in a URL path. */
export const promptNameSchema = z
  .string({ message: "Enter the prompt's name." })
  .trim()
  .min(1, "Enter the prompt's name.")
  .max(100, "A prompt name has at most 100 characters.")
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "Use lower-case letters, digits and . _ - (starting with a letter or digit), e.g. support-triage.")
  .superRefine((name, ctx) => {
    const page = Object.hasOwn(RESERVED_PROMPT_NAMES, name) ? RESERVED_PROMPT_NAMES[name] : undefined;
    if (page) ctx.addIssue({ code: "custom", message: `“${name}” is reserved: /prompts/${name} is ${page}. Choose another name, e.g. ${name}-prompt.` });
  });

export const chatMessageSchema = z
  .object({
    role: z.enum(CHAT_ROLES, { message: `A role is one of ${CHAT_ROLES.join(", ")}.` }),
    content: z.string({ message: "A message's content is a string." }),
  })
  .strict();
export type ChatMessage = z.output<typeof chatMessageSchema>;

export const chatTemplateSchema = z
  .array(chatMessageSchema, { message: "A chat template is a list of { role, content } messages." })
  .min(1, "A chat template needs at least one message.")
  .max(MAX_CHAT_MESSAGES, `A chat template has at most ${MAX_CHAT_MESSAGES} messages.`)
  .refine((messages) => messages.reduce((n, m) => n + bytes(m.content), 0) <= MAX_TEMPLATE_BYTES, {
    message: `A template has at most ${MAX_TEMPLATE_BYTES / 1000} kB of content.`,
  });

export const textTemplateSchema = z
  .string()
  .refine((s) => s.trim().length > 0, "Enter the template.")
  .refine((s) => bytes(s) <= MAX_TEMPLATE_BYTES, `A template has at most ${MAX_TEMPLATE_BYTES / 1000} kB.`)
  .refine((s) => parseStoredChat(s) === null, "This text is a chat list in JSON: send it as a list instead of a string.");

export type PromptTemplate = string | ChatMessage[];
export type PromptType = "text" | "chat";

export const templateSchema = z.union([textTemplateSchema, chatTemplateSchema], {
  message: "The template is a text string or a list of { role, content } messages.",
});

/** Known keys are checked; any other key passes through unchanged (providers have many). */
export const promptConfigSchema = z
  .looseObject(
    {
    model: z.string({ message: "model is a string." }).trim().min(1, "model cannot be empty.").max(200).optional(),
    temperature: z.number({ message: "temperature is a number." }).min(0, "temperature is 0 or more.").max(2, "temperature is at most 2.").optional(),
    maxTokens: z
      .number({ message: "maxTokens is a whole number." })
      .int("maxTokens is a whole number.")
      .min(1, "maxTokens is at least 1.")
      .max(1_000_000, "maxTokens is at most 1,000,000.")
      .optional(),
    tools: z.array(z.unknown(), { message: "tools is a list." }).max(128, "At most 128 tools.").optional(),
    },
    { message: "config is a JSON object." },
  )
  .refine((c) => bytes(JSON.stringify(c)) <= MAX_CONFIG_BYTES, `The config has at most ${MAX_CONFIG_BYTES / 1000} kB.`);
export type PromptConfig = z.output<typeof promptConfigSchema>;

export const versionMessageSchema = z
  .string({ message: "Say why this version exists." })
  .trim()
  .min(1, "Say why this version exists.")
  .max(MAX_MESSAGE_CHARS, `The message has at most ${MAX_MESSAGE_CHARS} characters.`);

const versionFields = {
  template: templateSchema,
  config: promptConfigSchema.default({}),
  message: versionMessageSchema,
};

/** The body of POST /api/v1/prompts/{name}/versions; `config` defaults to `{}`. */
export const newPromptVersionSchema = z.object(versionFields).strict();
export type NewPromptVersionInput = z.output<typeof newPromptVersionSchema>;

/** The command's input: the body plus the prompt's name. */
export const createPromptVersionSchema = z.object({ name: promptNameSchema, ...versionFields });
export type CreatePromptVersionInput = z.output<typeof createPromptVersionSchema>;

function jsonField(label: string, ctx: z.core.$RefinementCtx, path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", path: [path], message: `${label} is not valid JSON.` });
    return undefined;
  }
}

/**
 * The console form: strings only. `format` says whether `template` is text or a
 * chat list in JSON; `config` is a JSON object (empty = `{}`).
 */
export const promptVersionFormSchema = z
  .object({
    name: z.string(),
    format: z.enum(["text", "chat"], { message: "Choose text or chat." }),
    template: z.string(),
    config: z.string(),
    message: z.string(),
  })
  .transform((v, ctx) => {
    const template = v.format === "chat" ? jsonField("The chat template", ctx, "template", v.template) : v.template;
    const config = v.config.trim() === "" ? {} : jsonField("The config", ctx, "config", v.config);
    if (v.format === "chat" && template !== undefined && !Array.isArray(template)) {
      ctx.addIssue({ code: "custom", path: ["template"], message: 'A chat template is a JSON list such as [{ "role": "system", "content": "…" }].' });
    }
    // Unchecked here: the pipe validates these values next.
    return { name: v.name, template, config, message: v.message } as z.input<typeof createPromptVersionSchema>;
  })
  .pipe(createPromptVersionSchema);

export function promptVersionFromForm(formData: FormData): Record<string, string> {
  const text = (name: string) => {
    const v = formData.get(name);
    return typeof v === "string" ? v : "";
  };
  return { name: text("name").trim(), format: text("format") || "text", template: text("template"), config: text("config"), message: text("message") };
}

/** `?label=` or `?version=` (not both); neither = the latest version. */
export const promptQuerySchema = z
  .object({
    label: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9][a-z0-9._-]*$/, "A label is lower-case letters, digits and . _ -.")
      .optional(),
    version: z
      .string()
      .regex(/^[1-9]\d{0,8}$/, "version is a positive whole number.")
      .transform(Number)
      .optional(),
    key: z.string().min(1, "key cannot be empty.").max(200, "key has at most 200 characters.").optional(),
    /** The agent fetching: a paused or tripped agent is refused (423). */
    agent: z.string().min(1, "agent cannot be empty.").max(200, "agent has at most 200 characters.").optional(),
  })
  .refine((q) => !(q.label && q.version), { message: "Give label or version, not both.", path: ["version"] })
  .refine((q) => !q.key || q.label, { message: "key picks a side of a label's canary split: give it with label.", path: ["key"] });
export type PromptQuery = z.output<typeof promptQuerySchema>;

// ── Stored form ────────────────────────────────────────────────────────────

/** The column's text: a text template as-is, a chat list as JSON. */
export function storeTemplate(template: PromptTemplate): string {
  return typeof template === "string" ? template : JSON.stringify(template);
}

/** The chat list a stored string holds, or null when it is a text template. */
export function parseStoredChat(stored: string): ChatMessage[] | null {
  if (!stored.trimStart().startsWith("[")) return null;
  try {
    const parsed = z.array(chatMessageSchema).min(1).safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function loadTemplate(stored: string): PromptTemplate {
  return parseStoredChat(stored) ?? stored;
}

export function templateType(template: PromptTemplate): PromptType {
  return typeof template === "string" ? "text" : "chat";
}

/** A readable text form of a template (chat: one `### role` heading per message), for diffs and previews. */
export function templateText(template: PromptTemplate): string {
  if (typeof template === "string") return template;
  return template.map((m) => `### ${m.role}\n${m.content}`).join("\n\n");
}

// ── Placeholders ───────────────────────────────────────────────────────────

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** The distinct `{{variable}}` names of a template, in order of first appearance (chat: across all messages). */
export function templatePlaceholders(template: PromptTemplate): string[] {
  const texts = typeof template === "string" ? [template] : template.map((m) => m.content);
  const seen = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(PLACEHOLDER)) seen.add(match[1]!);
  return [...seen];
}

// ── Answers (documentation and handler output types; never parsed at runtime) ──

export const promptSchema = z.object({
  name: z.string(),
  version: z.number().int().min(1),
  label: z.string().nullable().meta({ description: "The label asked for with `?label=`; null when fetched by version or as the latest." }),
  template: z.union([z.string(), z.array(chatMessageSchema)]).meta({ description: "Text, or a chat list of `{ role, content }`." }),
  config: z.record(z.string(), z.unknown()).meta({ description: "Model settings: `model`, `temperature`, `maxTokens`, `tools`, and any other keys." }),
  message: z.string().nullable().meta({ description: "Why this version exists." }),
  createdBy: z.string().meta({ description: "A user's e-mail or an API key's name." }),
  createdAt: z.iso.datetime(),
  split: z
    .object({
      arm: z.enum(["control", "canary"]),
      weight: z.number().int().meta({ description: "Share of callers on the canary, in %." }),
      controlVersion: z.number().int(),
      canaryVersion: z.number().int(),
    })
    .nullable()
    .optional()
    .meta({ description: "Present when the label splits traffic: which side this answer is. The same `key` always lands on the same side." }),
});
export type PromptJson = z.output<typeof promptSchema>;
