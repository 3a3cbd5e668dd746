// Runs before every page (not API routes or static files, see `config`):
// refuses cross-origin server-action POSTs, sends signed-out browsers to
// /login and puts the security headers (CSP with a per-request nonce, HSTS
// over HTTPS) on the answer. Not an authorization boundary: every page,
// server action and API route checks the caller itself.
import NextAuth from "next-auth";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { authConfig } from "@/lib/auth.config";
import { readEnv } from "@/lib/env";
import { buildCsp, createNonce, HSTS_VALUE, servedOverHttps } from "@/lib/security/headers";
import { checkServerActionOrigin } from "@/lib/security/origin";

const { auth } = NextAuth(authConfig);
const authProxy = auth as unknown as (request: NextRequest, event: NextFetchEvent) => Promise<Response>;

/** A session cookie being (re)issued with a value; clearing one (`name=;`) does not match. */
const ISSUED_SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?=[^;]/;

export async function proxy(request: NextRequest, event: NextFetchEvent): Promise<Response> {
  const env = readEnv();
  // Next would refuse it too, but by throwing: a 500 and a logged error per forged request.
  const origin = checkServerActionOrigin(request.method, request.headers);
  if (!origin.allowed) {
    return new NextResponse(`Forbidden: ${origin.reason}\n`, { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
  }

  const https = servedOverHttps({ headers: request.headers, trustProxy: env.TRUST_PROXY, publicUrl: env.AUTH_URL });
  const nonce = createNonce();
  const csp = buildCsp({
    nonce,
    development: process.env.NODE_ENV === "development",
    https,
    formTargets: env.OIDC_ISSUER ? [new URL(env.OIDC_ISSUER).origin] : [],
  });

  let response = dropReissuedSession(await authProxy(request, event));
  if (response.headers.get("x-middleware-next") === "1") {
    // Auth.js let the request through. Next reads the nonce from the request's CSP header
    // and puts it on its own scripts, so the page must be rendered with that header.
    const requestHeaders = new Headers(request.headers);
    requestHeaders.set("x-nonce", nonce);
    requestHeaders.set("content-security-policy", csp);
    const passOn = NextResponse.next({ request: { headers: requestHeaders } });
    for (const cookie of response.headers.getSetCookie()) passOn.headers.append("set-cookie", cookie);
    response = passOn;
  }
  response.headers.set("content-security-policy", csp);
  if (https) response.headers.set("strict-transport-security", HSTS_VALUE);
  return response;
}

/**
 * Auth.js re-issues the session cookie on every response that passes here (a
 * rolling session). A prefetch still in flight while someone signs out would
 * then set the cookie again and undo the sign-out, so the proxy drops those:
 * a session lasts its maxAge from sign-in, and sign-out is final.
 */
function dropReissuedSession(response: Response): Response {
  const cookies = response.headers.getSetCookie();
  if (!cookies.some((c) => ISSUED_SESSION_COOKIE.test(c))) return response;
  response.headers.delete("set-cookie");
  for (const cookie of cookies) if (!ISSUED_SESSION_COOKIE.test(cookie)) response.headers.append("set-cookie", cookie);
  return response;
}

export const config = {
  // API routes authenticate with keys (or answer 401 themselves) and take large bodies, which
  // a proxy would buffer; static files need nothing. Both get the fixed headers from next.config.js.
  matcher: ["/((?!api|_next/static|_next/image|favicon.ico|icon.svg|robots.txt).*)"],
};
