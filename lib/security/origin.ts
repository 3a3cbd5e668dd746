/**
 * The same-origin rule for server-action POSTs, decided in the proxy. Next
 * checks it too (Origin's host against X-Forwarded-Host, else Host) but then
 * throws, which answers 500 and logs an error for every forged request; here a
 * forged one is a plain 403 before anything renders. Mirrors Next's comparison
 * so that nothing Next would accept is refused, and vice versa.
 */

export type ActionOriginVerdict = { allowed: true } | { allowed: false; reason: string };

/** The host a same-origin browser request names: X-Forwarded-Host's first entry (as Next reads it), else Host. */
function expectedHost(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  return forwarded || headers.get("host");
}

/**
 * A request without `Next-Action` is not a server action and passes. One
 * without Origin passes too, as in Next: only old browsers and hand-made
 * requests omit it, and those carry no one's cookies but the sender's.
 */
export function checkServerActionOrigin(method: string, headers: Headers): ActionOriginVerdict {
  if (method !== "POST" || !headers.has("next-action")) return { allowed: true };
  const origin = headers.get("origin");
  if (origin === null) return { allowed: true };
  let originHost: string;
  try {
    // "null" (sandboxed frames, some redirects) and garbage do not parse: refused.
    originHost = new URL(origin).host;
  } catch {
    return { allowed: false, reason: "The Origin header is not a URL." };
  }
  const host = expectedHost(headers);
  if (!host || originHost !== host) return { allowed: false, reason: "Server actions accept requests from this site only." };
  return { allowed: true };
}
