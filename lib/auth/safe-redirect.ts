/**
 * Where a browser may be sent after sign-in: a path on this site, nothing else.
 * Used by the login page (already signed in), its actions (redirectTo) and the
 * Auth.js `redirect` callback, so one function decides.
 *
 * Browsers are lenient: they read `\` as `/`, drop tabs and newlines anywhere
 * in a URL, so `/\evil.example` and `/<TAB>/evil.example` both mean
 * `//evil.example`, another site. Rather than normalise like a browser, refuse
 * anything but a plain `/path?query#hash` of printable characters.
 */

/** Control characters and backslashes, raw or percent-encoded (`%09`, `%5C`, `%00`…). */
const SUSPICIOUS = /[\u0000-\u001f\u007f\\]|%(?:[01][0-9a-f]|7f|5c)/i;

/**
 * `value` as a same-origin path, or "/". An absolute URL is accepted only when
 * its origin is `origin` (Auth.js's proxy sends `callbackUrl` as the full
 * href); any other absolute URL, `//host`, `javascript:` and the like give "/".
 * `/login` is a path like any other (sign-out goes there; a signed-in visitor
 * of /login is sent on to "/", so there is no loop).
 */
export function safeRedirectPath(value: unknown, origin?: string): string {
  if (typeof value !== "string" || value === "" || value.length > 2048 || SUSPICIOUS.test(value)) return "/";
  let path = value;
  if (!value.startsWith("/")) {
    if (!origin) return "/";
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return "/";
    }
    let allowed: string;
    try {
      allowed = new URL(origin).origin;
    } catch {
      return "/";
    }
    if (url.origin !== allowed) return "/";
    path = `${url.pathname}${url.search}${url.hash}`;
  }
  if (!path.startsWith("/") || path.startsWith("//")) return "/";
  // Parsing against a dummy origin must leave it in place: then the path cannot name another host.
  const parsed = new URL(path, "http://flightdeck.invalid");
  if (parsed.origin !== "http://flightdeck.invalid") return "/";
  return path;
}
