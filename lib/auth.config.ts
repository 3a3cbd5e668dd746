/**
 * The database-free part of the Auth.js configuration, shared by the proxy
 * (which only redirects signed-out browsers) and lib/auth.ts. Authorization
 * itself happens in every page, action and route through lib/session.ts.
 */
import type { NextAuthConfig } from "next-auth";
import type { Role } from "@/lib/rbac";

declare module "next-auth" {
  interface User {
    role?: Role;
  }
  interface Session {
    user: { id: string; email: string; name?: string | null; role: Role };
  }
}

declare module "@auth/core/jwt" {
  interface JWT {
    uid?: string;
    role?: Role;
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
      }
      return token;
    },
    session({ session, token }) {
      if (token.uid) session.user.id = token.uid;
      if (token.role) session.user.role = token.role;
      return session;
    },
  },
} satisfies NextAuthConfig;
