/**
 * The per-request security headers of pages, set by proxy.ts: the
 * Content-Security-Policy (a fresh nonce each time) and HSTS, sent only when
 * the request came over HTTPS. The headers that never vary (nosniff, frame
 * denial, referrer and permissions policies) are next.config.js's `headers()`,
 * which also covers API routes and static files.
 *
 * Kept free of Next and of the environment so the policy is unit-tested as a
 * string; proxy.ts decides the inputs per request.
 */

/** Two years, subdomains included: the value hstspreload.org asks for; sent over HTTPS only. */
export const HSTS_VALUE = "max-age=63072000; includeSubDomains";

export interface CspOptions {
  /** Base64, fresh for every request: Next puts it on its own scripts. */
  nonce: string;
  /** `next dev` only: React rebuilds server error stacks with eval and HMR talks over a websocket. */
  development: boolean;
  /** Served over HTTPS: ask the browser to upgrade any http:// subresource. Over plain http it would break them. */
  https: boolean;
  /**
   * Origins a form may post to besides this one: the single sign-on issuer, because
   * before hydration the OIDC button is a plain form whose 303 leads there, and
   * Chromium applies form-action to the redirects that follow a submission.
   */
  formTargets?: readonly string[];
}

/** A random nonce (128 bits, base64) from Web Crypto, available in the proxy. */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export function buildCsp({ nonce, development, https, formTargets = [] }: CspOptions): string {
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    // 'strict-dynamic': scripts Next's nonce'd bootstrap loads are trusted, and host
    // allow-lists ('self') are ignored by browsers that know it; nothing else runs.
    ["script-src", "'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(development ? ["'unsafe-eval'"] : [])],
    // Recharts and Tailwind-built components set style attributes, which a nonce cannot
    // cover. Styles are not the script-injection vector CSP is here to stop, so inline
    // styles stay allowed (and no nonce here: a nonce would make browsers drop 'unsafe-inline').
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", "blob:"],
    ["font-src", "'self'"],
    ["connect-src", "'self'", ...(development ? ["ws:", "wss:"] : [])],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'", ...formTargets],
    ["frame-ancestors", "'none'"],
  ];
  if (https) directives.push(["upgrade-insecure-requests"]);
  return directives.map((d) => d.join(" ")).join("; ");
}

export interface ProtocolInput {
  headers: Headers;
  /** TRUST_PROXY: a proxy in front terminates TLS and says so in X-Forwarded-Proto. */
  trustProxy: boolean;
  /** AUTH_URL, the address the operator says browsers use. */
  publicUrl?: string;
}

/**
 * Whether the browser reached us over HTTPS. Not from the request URL: Next
 * builds its protocol from X-Forwarded-Proto too, which anyone can send. So
 * the header counts only when the operator said a proxy sets it (TRUST_PROXY;
 * its first value is the hop nearest the browser), and otherwise only what the
 * operator configured: an https:// AUTH_URL. (Browsers ignore HSTS received
 * over plain http, so a wrong "yes" costs nothing; a wrong "no" only skips it.)
 */
export function servedOverHttps({ headers, trustProxy, publicUrl }: ProtocolInput): boolean {
  if (trustProxy) return headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
  return publicUrl?.startsWith("https://") ?? false;
}
