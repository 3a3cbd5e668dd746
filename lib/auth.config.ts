/**
 * The database-free part of the Auth.js configuration, shared by the proxy
 * (which only redirects signed-out browsers) and lib/auth.ts. Authorization
 * itself happens in every page, action and route through lib/session.ts.
 * The JWT carries the user id and the id of the server-side Session row
 * (lib/auth/sessions.ts); whether that row is still live is decided per
 * request by lib/session.ts, not here (no database in the proxy).
 */
import type { NextAuthConfig } from "next-auth";
import { safeRedirectPath } from "@/lib/auth/safe-redirect";
import type { Role } from "@/lib/rbac";

declare module "next-auth" {
  interface User {
    role?: Role;
    /** The Session row created at sign-in (credentials; OIDC sets it in lib/auth.ts's jwt callback). */
    sid?: string;
  }
  interface Session {
    user: { id: string; email: string; name?: string | null; role: Role };
    sessionId?: string;
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    uid?: string;
    role?: Role;
    sid?: string;
  }
}

const PUBLIC_PATHS = ["/login"];

export const authConfig = {
  trustHost: true,
  pages: { signIn: "/login" },
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  providers: [],
  callbacks: {
    authorized({ auth, request }) {
      const signedIn = Boolean(auth?.user);
      const isPublic = PUBLIC_PATHS.some((p) => request.nextUrl.pathname.startsWith(p));
      // /login decides itself (against the database) whether the visitor is still signed in:
      // a JWT of a since-disabled user must reach it, or /login and the console redirect in a loop.
      if (isPublic) return true;
      return signedIn;
    },
    jwt({ token, user }) {
      if (user?.id) {
        token.uid = user.id;
        token.role = user.role;
        token.sid = user.sid;
      }
      return token;
    },
    session({ session, token }) {
      if (token.uid) session.user.id = token.uid;
      if (token.role) session.user.role = token.role;
      if (token.sid) session.sessionId = token.sid;
      return session;
    },
    // Every redirect Auth.js makes (after sign-in, sign-out) stays on this site.
    redirect({ url, baseUrl }) {
      return `${baseUrl}${safeRedirectPath(url, baseUrl)}`;
    },
  },
} satisfies NextAuthConfig;
