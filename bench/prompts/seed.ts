/**
 * The prompt benchmark's data, written directly with SQL: an API key with
 * `prompts:read` only, and `count` prompts of three chat versions each (a
 * ~1.3 KB system message with placeholders, a user message, a model config),
 * `production` on version 2 and `staging` on version 3, no canary. The first
 * prompt is `support-triage`; the others (`bench-prompt-2`, …) share the rows'
 * shape, so requests can rotate over several names.
 */
import type pg from "pg";
import { generateApiKey, hashApiKey } from "../../lib/api-keys/keys";
import { newId } from "../../lib/ids";

export const PRODUCTION_VERSION = 2;

export interface SeededPrompts {
  key: string;
  names: string[];
}

function template(name: string, version: number): string {
  const rules = Array.from(
    { length: 12 },
    (_, i) => `${i + 1}. ${["Read the whole ticket before answering.", "Quote the order number exactly.", "Never promise a refund the policy does not allow.", "Escalate legal threats to a human."][i % 4]} (rule ${i + 1} of ${name}, v${version})`,
  ).join("\n");
  return JSON.stringify([
    {
      role: "system",
      content: `You are the support triage assistant of {{company}}. Classify the ticket into one of billing, shipping, account, abuse or other, set a priority from P1 to P4 and draft a first reply in {{language}}.\nRules:\n${rules}\nAnswer as JSON: {"category", "priority", "reply"}.`,
    },
    { role: "user", content: "Ticket {{ticket_id}} from {{customer_name}}:\n{{ticket_body}}" },
  ]);
}

export async function seedPrompts(admin: pg.Client, count: number): Promise<SeededPrompts> {
  const key = generateApiKey();
  await admin.query(`INSERT INTO "ApiKey" (id, name, prefix, hash, scopes) VALUES ($1, 'bench-prompts', $2, $3, '{prompts:read}')`, [
    newId(),
    key.slice(0, 9),
    hashApiKey(key),
  ]);
  const names = Array.from({ length: count }, (_, i) => (i === 0 ? "support-triage" : `bench-prompt-${i + 1}`));
  const prompts: unknown[][] = [[], []];
  const versions: unknown[][] = [[], [], [], [], [], []];
  const labels: unknown[][] = [[], [], [], []];
  for (const name of names) {
    const promptId = newId();
    prompts[0]!.push(promptId);
    prompts[1]!.push(name);
    const versionIds: string[] = [];
    for (let v = 1; v <= 3; v++) {
      const id = newId();
      versionIds.push(id);
      versions[0]!.push(id);
      versions[1]!.push(promptId);
      versions[2]!.push(v);
      versions[3]!.push(template(name, v));
      versions[4]!.push(JSON.stringify({ model: "gpt-4o-mini", temperature: 0.2 + v / 10, max_tokens: 600 }));
      versions[5]!.push(`version ${v}`);
    }
    for (const [label, v] of [["production", PRODUCTION_VERSION], ["staging", 3]] as const) {
      labels[0]!.push(newId());
      labels[1]!.push(promptId);
      labels[2]!.push(label);
      labels[3]!.push(versionIds[v - 1]);
    }
  }
  await admin.query(`INSERT INTO "Prompt" (id, name, description) SELECT id, name, 'benchmark prompt' FROM unnest($1::text[], $2::text[]) AS t(id, name)`, prompts);
  await admin.query(
    `INSERT INTO "PromptVersion" (id, "promptId", version, template, config, message, "createdByName")
     SELECT id, p, v, t, c, m, 'bench' FROM unnest($1::text[], $2::text[], $3::int4[], $4::text[], $5::jsonb[], $6::text[]) AS x(id, p, v, t, c, m)`,
    versions,
  );
  await admin.query(
    `INSERT INTO "PromptLabel" (id, "promptId", name, "versionId", "updatedAt")
     SELECT id, p, n, v, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(id, p, n, v)`,
    labels,
  );
  await admin.query(`ANALYZE "ApiKey", "Prompt", "PromptVersion", "PromptLabel"`);
  return { key, names };
}
