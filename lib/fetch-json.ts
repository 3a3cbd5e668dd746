/**
 * The console's one client-side JSON fetch: no cache, and a failed answer
 * becomes a `FetchJsonError` carrying the API's `{ error: { code, message } }`
 * (or a plain message when the body is not ours, e.g. a proxy's HTML page).
 * Safe to import from client components.
 */
export class FetchJsonError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = "FetchJsonError";
  }
}

/** Reads the error shape from a failed response's body text. */
export function errorFromBody(status: number, text: string, fallback: string): FetchJsonError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } } | null;
    const message = typeof body?.error?.message === "string" ? body.error.message : null;
    const code = typeof body?.error?.code === "string" ? body.error.code : null;
    if (message) return new FetchJsonError(status, code, message);
  } catch {
    // Not JSON: fall through to the generic message.
  }
  return new FetchJsonError(status, null, `${fallback} (${status}).`);
}

/** GETs (or sends `init`) and parses JSON; throws FetchJsonError with the server's message when not ok. */
export async function fetchJson<T>(url: string, init: RequestInit & { fallbackMessage?: string } = {}): Promise<T> {
  const { fallbackMessage = "The request failed", ...rest } = init;
  const response = await fetch(url, { cache: "no-store", ...rest });
  if (!response.ok) throw errorFromBody(response.status, await response.text().catch(() => ""), fallbackMessage);
  return (await response.json()) as T;
}
