/**
 * Sign-in: e-mail and password (Argon2id), and OpenID Connect when OIDC_* is
 * set. Sessions are JWTs carrying the user id and role; lib/session.ts re-reads
 * the user from the database on every request, so a changed role or a disabled
 * account takes effect at once.
 */
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { authConfig } from "@/lib/auth.config";
import { db } from "@/lib/db";
import { oidcEnabled, readEnv } from "@/lib/env";
import { hashPassword, verifyPassword } from "@/lib/passwords";
import { FailureLimiter } from "@/lib/rate-limit";
import { isRole } from "@/lib/rbac";
import { findOrProvisionOidcUser } from "@/lib/users/oidc";
import { recordSignIn } from "@/lib/users/sign-in";

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

/** Ten wrong passwords for one e-mail within 15 minutes lock that e-mail out for the rest of the window. */
const failedSignIns = new FailureLimiter(10, 15 * 60_000);

// Verifying against a real hash when the user does not exist keeps the answer
// time the same, so sign-in does not reveal which e-mail addresses exist.
let dummyHash: Promise<string> | undefined;

async function authorizeCredentials(raw: unknown) {
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidCredentials();
  const { email, password } = parsed.data;
  if (failedSignIns.retryAfter(email) > 0) throw new TooManyAttempts();
  const user = await db.user.findUnique({ where: { email } });
  dummyHash ??= hashPassword("flightdeck-timing-equaliser");
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash), password);
  if (!user || !ok || user.disabled) {
    failedSignIns.fail(email);
    throw new InvalidCredentials();
  }
  failedSignIns.succeed(email);
  await db.$transaction((tx) => recordSignIn(tx, user, "password"));
  return { id: user.id, email: user.email, name: user.name, role: user.role };
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
          }
          return token;
        }
        return authConfig.callbacks.jwt(params);
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => buildConfig());
