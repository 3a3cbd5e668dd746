/**
 * Validated input for route handlers: `parseBody` (a bounded JSON body through
 * a zod schema) and `parseQuery` (the query string through a zod schema). A
 * bad input is always a 400 `bad_request:<surface>` whose details name each
 * field, `{ path, message }`; never a 500 and never a silently ignored value.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { readJsonBody, type JsonBodyOptions } from "./body";

/** Longest query value accepted; real filters are short, and a 100 kB value is an attack or a bug. */
export const MAX_QUERY_VALUE_LENGTH = 2000;
const MAX_QUERY_KEY_LENGTH = 200;

export interface IssueDetail {
  path: string;
  message: string;
}

/** zod issues as `{ path, message }` details for 400 answers. */
export function issuesToDetails(issues: readonly { path: readonly PropertyKey[]; message: string }[]): IssueDetail[] {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

interface ErrorOptions {
  /** The `<surface>` of `bad_request:<surface>`, e.g. `model_price`. */
  surface?: string;
  /** The error's message; the details say what is wrong with each field. */
  message?: string;
}

export type ParseBodyOptions = ErrorOptions & JsonBodyOptions;

/** Reads the JSON body (415/413/400 as readJsonBody) and validates it: the schema's output, or 400 with details per field. */
export async function parseBody<S extends z.ZodType>(request: Request, schema: S, options: ParseBodyOptions = {}): Promise<z.output<S>> {
  const body = await readJsonBody(request, options);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new AppError(
      `bad_request:${options.surface ?? "body"}`,
      options.message ?? "The request body is not valid.",
      issuesToDetails(parsed.error.issues),
    );
  }
  return parsed.data;
}

export interface ParseQueryOptions extends ErrorOptions {
  /** Keys that may repeat (`?flag=a&flag=b`); they reach the schema as string arrays. Any other known key given twice is a 400. */
  arrays?: readonly string[];
}

/**
 * Validates the query string: every value is a string (or a string array for
 * `arrays` keys). NUL characters and values over MAX_QUERY_VALUE_LENGTH are
 * refused before the schema sees them; a known key given twice is refused
 * rather than resolved by "last one wins", which hides client bugs.
 * Keys the schema does not know are ignored, as they always were.
 */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S, options: ParseQueryOptions = {}): z.output<S> {
  const fail = (details: IssueDetail[]) =>
    new AppError(`bad_request:${options.surface ?? "query"}`, options.message ?? "Some query parameters are not valid.", details);
  const known = objectKeys(schema);
  const arrays = new Set(options.arrays ?? []);
  const values = new Map<string, string[]>();
  for (const [key, value] of new URL(request.url).searchParams) {
    if (known && !known.has(key)) continue;
    if (key.length > MAX_QUERY_KEY_LENGTH || key.includes("\0")) {
      throw fail([{ path: printable(key), message: "This query parameter name is not accepted." }]);
    }
    if (value.includes("\0")) throw fail([{ path: key, message: "Must not contain a NUL character." }]);
    if (value.length > MAX_QUERY_VALUE_LENGTH) {
      throw fail([{ path: key, message: `Must be at most ${MAX_QUERY_VALUE_LENGTH} characters long.` }]);
    }
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  const input: Record<string, string | string[]> = {};
  for (const [key, list] of values) {
    if (arrays.has(key)) input[key] = list;
    else if (list.length > 1) throw fail([{ path: key, message: "Given more than once; send it once." }]);
    else input[key] = list[0]!;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw fail(issuesToDetails(parsed.error.issues));
  return parsed.data;
}

/** The keys of an object schema (also behind `.transform()`), or null when the shape is not an object's. */
function objectKeys(schema: z.ZodType): Set<string> | null {
  const def = schema._zod.def;
  if (def.type === "object") return new Set(Object.keys((def as z.core.$ZodObjectDef).shape));
  if (def.type === "pipe") return objectKeys((def as z.core.$ZodPipeDef).in as z.ZodType);
  return null;
}

/** A key fit to echo in an error: NULs made visible, cut to a readable length. */
function printable(key: string): string {
  const visible = key.replaceAll("\0", "\\0");
  return visible.length > 60 ? `${visible.slice(0, 60)}…` : visible;
}
