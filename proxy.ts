// Sends signed-out browsers to /login. Not a security boundary: every page,
// server action and API route checks the caller itself.
import NextAuth from "next-auth";
import type { NextFetchEvent, NextRequest } from "next/server";
import { authConfig } from "@/lib/auth.config";

const { auth } = NextAuth(authConfig);
const authProxy = auth as unknown as (request: NextRequest, event: NextFetchEvent) => Promise<Response>;

/** A session cookie being (re)issued with a value; clearing one (`name=;`) does not match. */
const ISSUED_SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?=[^;]/;

/**
 * Auth.js re-issues the session cookie on every response that passes here (a
 * rolling session). A prefetch still in flight while someone signs out would
 * then set the cookie again and undo the sign-out, so the proxy drops those:
 * a session lasts its maxAge from sign-in, and sign-out is final.
 */
export async function proxy(request: NextRequest, event: NextFetchEvent): Promise<Response> {
  const response = await authProxy(request, event);
  const cookies = response.headers.getSetCookie();
  if (!cookies.some((c) => ISSUED_SESSION_COOKIE.test(c))) return response;
  response.headers.delete("set-cookie");
  for (const cookie of cookies) if (!ISSUED_SESSION_COOKIE.test(cookie)) response.headers.append("set-cookie", cookie);
  return response;
}

export const config = {
  // API routes authenticate with keys (or answer 401 themselves); static files need nothing.
  matcher: ["/((?!api|_next/static|_next/image|favicon.ico|icon.svg|robots.txt).*)"],
};
