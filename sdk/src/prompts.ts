/**
 * Prompts for agents: `GET /api/v1/prompts/{name}?label=&key=&agent=` with an
 * ETag cache. Within the freshness window an answer is reused without asking;
 * after it, it is revalidated (If-None-Match, a 304 costs a header). When the
 * console is unavailable the last answer is served however old it is
 * (stale-while-error), and when nothing was ever fetched, the caller's
 * `fallback` template: an outage never stops the agent. Answers are cached per
 * label and sticky key, since a canary split serves one side per key.
 *
 * Compilation fills `{{variable}}` placeholders with the pattern the console
 * uses to list them (lib/prompts/schemas.ts): names of letters, digits, `_`,
 * `.`, `-`, spaces inside the braces allowed.
 */
import { PromptVariablesError } from "./errors.js";
import { isUnavailable, type Http } from "./http.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
}

export type PromptTemplate = string | ChatMessage[];
export type PromptVariables = Record<string, string | number | boolean>;

export interface GetPromptOptions {
  /** The label to serve (default `production`); ignored when `version` is given. */
  label?: string;
  /** A fixed version number instead of a label. */
  version?: number;
  /** The sticky key of a canary split (a conversation or run id): the same key always gets the same side. */
  key?: string;
  variables?: PromptVariables;
  /** Served when the console is unavailable and this prompt was never fetched. */
  fallback?: PromptTemplate;
  /** Throw PromptVariablesError when a placeholder has no variable (default: left as it is, listed in `missingVariables`). */
  strict?: boolean;
}

export interface Prompt<T extends PromptTemplate = PromptTemplate> {
  name: string;
  /** The version served; null for the fallback. */
  version: number | null;
  label: string | null;
  /** The template as stored. */
  template: T;
  /** The template with the variables filled in: text, or the chat list. */
  compiled: T;
  config: Record<string, unknown>;
  /** The side of a canary split this answer is, when the label splits traffic. */
  arm: "control" | "canary" | null;
  /** network: fetched now; revalidated: confirmed unchanged now (304); cache: within the freshness window; stale: the console is unavailable; fallback: never fetched. */
  source: "network" | "revalidated" | "cache" | "stale" | "fallback";
  missingVariables: string[];
}

interface Entry {
  body: PromptBody;
  etag: string | null;
  fetchedAt: number;
}

interface PromptBody {
  name: string;
  version: number;
  label: string | null;
  template: PromptTemplate;
  config: Record<string, unknown>;
  split?: { arm: "control" | "canary" } | null;
}

/** A fetch that could fall back on a stale answer or the fallback: one retry, 3 s per attempt at most. */
const SERVABLE_RETRIES = 1;
const SERVABLE_TIMEOUT_MS = 3_000;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** Fills the placeholders; returns what had no value (left as written). */
export function compileTemplate<T extends PromptTemplate>(template: T, variables: PromptVariables = {}): { compiled: T; missing: string[] } {
  const missing = new Set<string>();
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (whole, name: string) => {
      if (Object.hasOwn(variables, name)) return String(variables[name]);
      missing.add(name);
      return whole;
    });
  const compiled = (typeof template === "string" ? fill(template) : template.map((m) => ({ ...m, content: fill(m.content) }))) as T;
  return { compiled, missing: [...missing] };
}

function parseBody(name: string, body: unknown): PromptBody {
  const b = (body ?? {}) as Partial<PromptBody>;
  if (typeof b.version !== "number" || (typeof b.template !== "string" && !Array.isArray(b.template))) {
    throw new TypeError(`The console's answer for prompt ${name} is not a prompt.`);
  }
  return {
    name: typeof b.name === "string" ? b.name : name,
    version: b.version,
    label: typeof b.label === "string" ? b.label : null,
    template: b.template,
    config: b.config && typeof b.config === "object" ? b.config : {},
    split: b.split ?? null,
  };
}

export class PromptCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly http: Http,
    private readonly freshnessMs: number,
  ) {}

  private keyOf(name: string, o: GetPromptOptions): string {
    return o.version !== undefined ? `${name}\u0000v${o.version}` : `${name}\u0000l${o.label ?? "production"}\u0000${o.key ?? ""}`;
  }

  async get(name: string, options: GetPromptOptions = {}): Promise<Prompt> {
    const cacheKey = this.keyOf(name, options);
    const entry = this.entries.get(cacheKey);
    if (entry && Date.now() - entry.fetchedAt < this.freshnessMs) return this.result(name, entry.body, "cache", options);
    const query =
      options.version !== undefined
        ? { version: options.version, agent: this.http.agent }
        : { label: options.label ?? "production", key: options.key, agent: this.http.agent };
    try {
      // With something to serve instead, an outage costs the agent seconds, not the full retry budget.
      const servable = entry !== undefined || options.fallback !== undefined;
      const answer = await this.http.request("GET", `/api/v1/prompts/${encodeURIComponent(name)}`, {
        idempotent: true,
        query,
        headers: entry?.etag ? { "If-None-Match": entry.etag } : undefined,
        ...(servable ? { retries: Math.min(this.http.retries, SERVABLE_RETRIES), timeoutMs: Math.min(this.http.timeoutMs, SERVABLE_TIMEOUT_MS) } : {}),
      });
      if (answer.status === 304 && entry) {
        entry.fetchedAt = Date.now();
        return this.result(name, entry.body, "revalidated", options);
      }
      const fresh: Entry = { body: parseBody(name, answer.body), etag: answer.headers.get("etag"), fetchedAt: Date.now() };
      this.entries.set(cacheKey, fresh);
      return this.result(name, fresh.body, "network", options);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      if (entry) return this.result(name, entry.body, "stale", options);
      if (options.fallback !== undefined) {
        return this.result(name, { name, version: 0, label: options.label ?? null, template: options.fallback, config: {} }, "fallback", options);
      }
      throw error;
    }
  }

  private result(name: string, body: PromptBody, source: Prompt["source"], options: GetPromptOptions): Prompt {
    const { compiled, missing } = compileTemplate(body.template, options.variables);
    if (options.strict && missing.length) throw new PromptVariablesError(name, missing);
    return {
      name: body.name,
      version: source === "fallback" ? null : body.version,
      label: body.label,
      template: body.template,
      compiled,
      config: body.config,
      arm: body.split?.arm ?? null,
      source,
      missingVariables: missing,
    };
  }
}
