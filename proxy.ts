// Sends signed-out browsers to /login. Not a security boundary: every page,
// server action and API route checks the caller itself.
import NextAuth from "next-auth";
import { authConfig } from "@/lib/auth.config";

const { auth } = NextAuth(authConfig);
export const proxy = auth;

export const config = {
  // API routes authenticate with keys (or answer 401 themselves); static files need nothing.
  matcher: ["/((?!api|_next/static|_next/image|favicon.ico|icon.svg|robots.txt).*)"],
};
