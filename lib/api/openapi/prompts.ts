/** OpenAPI paths of the prompt registry: fetching a version, publishing one, and moving a label. */
import { labelHistoryQuerySchema, labelHistorySchema, labelMoveBodySchema, labelMoveResultSchema } from "@/lib/prompts/labels-schema";
import { newPromptVersionSchema, promptQuerySchema, promptSchema } from "@/lib/prompts/schemas";
import { annotate, componentRef, errorResponse, jsonContent, queryParameters } from "./schema";
import { agentLockedResponse } from "./agents";
import type { OpenApiFragment } from "./types";

annotate(newPromptVersionSchema.shape.template, { description: "Text with `{{variable}}` placeholders, or a chat list of `{ role, content }` (at most 200 messages, 100 kB)." });
annotate(newPromptVersionSchema.shape.config, { description: "`model`, `temperature` (0–2), `maxTokens` (1–1,000,000), `tools` (list) are checked; other keys are kept as sent. Default `{}`." });
annotate(newPromptVersionSchema.shape.message, { description: "Why this version exists (required, at most 500 characters)." });
annotate(newPromptVersionSchema, {
  examples: [{ template: "You triage support tickets for {{product}}.", config: { model: "gpt-4o", temperature: 0.2 }, message: "Tighter triage wording" }],
});

const nameParameter = {
  name: "name",
  in: "path",
  required: true,
  schema: { type: "string", maxLength: 100, pattern: "^[a-z0-9][a-z0-9._-]*$" },
  description: "The prompt's name, e.g. `support-triage`.",
};

export const promptsApi: OpenApiFragment = {
  paths: {
    "/api/v1/prompts/{name}": {
      get: {
        operationId: "getPrompt",
        summary: "One version of a prompt: by label, by number, or the latest",
        description:
          "Needs a key with `prompts:read`. Answers with an `ETag` and `Cache-Control: private, max-age=0`: send the ETag back in " +
          "`If-None-Match` to get `304 Not Modified` while the version behind it is unchanged. No instance caches a label, so a " +
          "moved or rolled-back label is served on the very next request. The header `X-Flightdeck-Prompt-Version` says which " +
          "version was served. When the label splits traffic (a canary), pass `key` (a run or conversation id): the same key " +
          "always gets the same side, and `split` in the body and `X-Flightdeck-Prompt-Arm` say which; without a key each request is drawn at random.",
        parameters: [
          nameParameter,
          ...queryParameters(promptQuerySchema, {
            label: "A label such as `production` or `staging`.",
            version: "A version number (1, 2, …). Give label or version, not both; neither = the latest version.",
            key: "With `label`: the caller's sticky key (run or conversation id) for a canary split, at most 200 characters.",
            agent: "The agent fetching: refused with 423 while it is paused or tripped (a key given to an agent is checked without it).",
          }),
        ],
        responses: {
          "200": { description: "The version", content: jsonContent(componentRef("Prompt")) },
          "304": { description: "Not modified (the `If-None-Match` ETag still matches)" },
          "400": errorResponse("Malformed name or query (`bad_request:prompt_name`, `bad_request:prompt_query`)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `prompts:read`"),
          "404": errorResponse("Unknown prompt, version or label (`not_found:prompt`, `not_found:prompt_version`, `not_found:prompt_label`)"),
          "423": agentLockedResponse,
        },
      },
    },
    "/api/v1/prompts/{name}/versions": {
      post: {
        operationId: "createPromptVersion",
        summary: "Publish a new version of a prompt (creating the prompt on its first version)",
        description:
          "Needs a key with `prompts:write`. Versions are numbered 1, 2, 3… per prompt and never change once published; labels are not moved. Audited.",
        parameters: [nameParameter],
        requestBody: { required: true, content: jsonContent(componentRef("PromptVersionInput")) },
        responses: {
          "201": { description: "Published", content: jsonContent(componentRef("Prompt")) },
          "400": errorResponse("Invalid JSON, name or version (`bad_request:json`, `bad_request:prompt_name`, `bad_request:prompt_version` with details per field)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `prompts:write`"),
          "413": errorResponse("Body over 1 MiB (`payload_too_large:body`)"),
          "415": errorResponse("Content-Type is not application/json"),
        },
      },
    },
    "/api/v1/prompts/{name}/labels": {
      get: {
        operationId: "getPromptLabels",
        summary: "A prompt's labels now and every move of them: which version each served from when, who moved it, through which change",
        description: "Needs a key with `prompts:read`. With an `ETag` (`304` on `If-None-Match`).",
        parameters: [
          nameParameter,
          ...queryParameters(labelHistoryQuerySchema, { label: "Only this label's moves.", limit: "The newest N moves (1–1000, default 200)." }),
        ],
        responses: {
          "200": { description: "The labels and their history", content: jsonContent(componentRef("LabelHistory")) },
          "304": { description: "Not modified" },
          "400": errorResponse("Malformed name or query (`bad_request:prompt_name`, `bad_request:label_history_query`)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `prompts:read`"),
          "404": errorResponse("Unknown prompt (`not_found:prompt`)"),
        },
      },
      post: {
        operationId: "movePromptLabel",
        summary: "Move a label to a version, optionally splitting traffic with a canary version",
        description:
          "Needs a key with `prompts:write`. Every move is a change (see the Changes page) with its history. A label that is not " +
          "protected moves at once (200). A protected label (`production` by default) is never moved by a key, whatever its scopes: " +
          "the answer is 202 with the pending change, which a person other than the key's creator approves in the console. " +
          "`canary: { version, weight }` sends `weight` % of callers (1–99) to another version; `canary: null` ends a split. Audited.",
        parameters: [nameParameter],
        requestBody: { required: true, content: jsonContent(componentRef("LabelMoveInput")) },
        responses: {
          "200": { description: "Moved (the label is not protected)", content: jsonContent(componentRef("LabelMove")) },
          "202": { description: "Proposed: the label is protected and the change waits for approval", content: jsonContent(componentRef("LabelMove")) },
          "400": errorResponse("Invalid JSON, name, label, version or canary (`bad_request:prompt_label` with details per field)"),
          "401": errorResponse("Missing or invalid key"),
          "403": errorResponse("The key lacks `prompts:write`"),
          "404": errorResponse("Unknown prompt or version (`not_found:prompt`, `not_found:prompt_version`)"),
          "409": errorResponse("The label already points there (`conflict:change_no_op`) or a change to it is waiting (`conflict:change_pending`)"),
          "413": errorResponse("Body over 1 MiB (`payload_too_large:body`)"),
          "415": errorResponse("Content-Type is not application/json"),
        },
      },
    },
  },
  inputs: { PromptVersionInput: newPromptVersionSchema, LabelMoveInput: labelMoveBodySchema },
  outputs: { Prompt: promptSchema, LabelMove: labelMoveResultSchema, LabelHistory: labelHistorySchema },
};
