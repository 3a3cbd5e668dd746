/**
 * Sign-in: e-mail and password (Argon2id), and OpenID Connect when OIDC_* is
 * set. Each sign-in creates a server-side Session row (lib/auth/sessions.ts);
 * the JWT carries its id and the user id, and lib/session.ts checks the row and
 * re-reads the user on every request, so sign-out, a revoked session, a
 * changed role or a disabled account take effect at once. Password guessing is
 * slowed by a progressive delay kept in PostgreSQL (lib/auth/throttle.ts).
 */
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { headers } from "next/headers";
import { z } from "zod";
import { authConfig } from "@/lib/auth.config";
import { clientAddress } from "@/lib/auth/client-address";
import { attemptPasswordSignIn } from "@/lib/auth/password-sign-in";
import { createSession, endSignedOutSession } from "@/lib/auth/sessions";
import { db } from "@/lib/db";
import { oidcEnabled, readEnv } from "@/lib/env";
import { isRole } from "@/lib/rbac";
import { findOrProvisionOidcUser } from "@/lib/users/oidc";

const credentialsSchema = z.object({
  email: z.email().transform((e) => e.toLowerCase()),
  password: z.string().min(1).max(1024),
});

class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}

class TooManyAttempts extends CredentialsSignin {
  code = "too_many_attempts";
}

async function authorizeCredentials(raw: unknown, request: Request) {
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidCredentials();
  const result = await attemptPasswordSignIn({
    ...parsed.data,
    address: clientAddress(request.headers, readEnv().TRUST_PROXY),
    userAgent: request.headers.get("user-agent"),
  });
  if (!result.ok) throw result.reason === "throttled" ? new TooManyAttempts() : new InvalidCredentials();
  return { ...result.user, sid: result.sessionId };
}

/** The browser's user agent and address for an OIDC sign-in (the callback route's request). */
async function requestDetails(): Promise<{ userAgent: string | null; ipAddress: string | null }> {
  try {
    const h = await headers();
    return { userAgent: h.get("user-agent"), ipAddress: clientAddress(h, readEnv().TRUST_PROXY) };
  } catch {
    return { userAgent: null, ipAddress: null };
  }
}

function buildConfig(): NextAuthConfig {
  const env = readEnv();
  const providers: NextAuthConfig["providers"] = [
    Credentials({
      credentials: { email: { label: "E-mail", type: "email" }, password: { label: "Password", type: "password" } },
      authorize: authorizeCredentials,
    }),
  ];
  if (oidcEnabled(env)) {
    providers.push({
      id: "oidc",
      name: env.OIDC_NAME,
      type: "oidc",
      issuer: env.OIDC_ISSUER,
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
      checks: ["pkce", "state", "nonce"],
      // Read the profile from the userinfo endpoint (after validating the ID token):
      // spec-conformant providers put `email` and `name` there, not in the ID token.
      idToken: false,
    });
  }
  return {
    ...authConfig,
    // The cookie lasts as long as the Session row (SESSION_MAX_AGE_HOURS); the row decides.
    session: { strategy: "jwt", maxAge: env.SESSION_MAX_AGE_HOURS * 60 * 60 },
    secret: env.AUTH_SECRET,
    logger: {
      // A wrong password is not a server error: one line, no stack trace.
      error(error: Error & { type?: string }) {
        if (error.type === "CredentialsSignin") console.warn("[flightdeck] sign-in refused: wrong e-mail or password, disabled account, or too many attempts");
        else console.error("[auth]", error);
      },
      warn(code: string) {
        console.warn(`[auth] warning: ${code}`);
      },
    },
    providers,
    events: {
      // Sign-out ends the session on the server too: a copy of the cookie stops working.
      async signOut(message) {
        const sid = "token" in message ? message.token?.sid : undefined;
        if (sid) await endSignedOutSession(sid);
      },
    },
    callbacks: {
      ...authConfig.callbacks,
      async signIn({ account, profile }) {
        if (account?.provider !== "oidc") return true;
        const user = await findOrProvisionOidcUser({
          subject: String(profile?.sub ?? account.providerAccountId),
          email: typeof profile?.email === "string" ? profile.email : null,
          name: typeof profile?.name === "string" ? profile.name : null,
          defaultRole: env.OIDC_DEFAULT_ROLE,
        });
        return user ? true : "/login?error=AccessDenied";
      },
      async jwt(params) {
        const { token, account, profile } = params;
        if (account?.provider === "oidc") {
          const user = await db.user.findUnique({
            where: { oidcSubject: String(profile?.sub ?? account.providerAccountId) },
          });
          if (user && isRole(user.role)) {
            token.uid = user.id;
            token.role = user.role;
            token.email = user.email;
            token.sid = await createSession(db, { userId: user.id, ...(await requestDetails()) });
          }
          return token;
        }
        return authConfig.callbacks.jwt(params);
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => buildConfig());
