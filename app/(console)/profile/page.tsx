/**
 * The signed-in user's own account: their password (required here first when
 * an admin reset it) and their live sessions. Open to every role, and the one
 * console page a user who must change their password can reach.
 */
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ChangePasswordForm } from "@/components/profile/change-password-form";
import { SignOutOthersForm } from "@/components/profile/sign-out-others-form";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { MIN_PASSWORD_LENGTH } from "@/lib/passwords";
import { ROLE_LABELS } from "@/lib/rbac";
import { getCurrentUser } from "@/lib/session";
import { getOwnAccount } from "@/lib/users/queries";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfilePage() {
  // Not requirePageScope: it sends a user who must change their password here, and this page must let them in.
  const me = await getCurrentUser();
  if (!me) redirect("/login");
  const account = await getOwnAccount(me.id);
  return (
    <>
      <PageHeader title="Profile" description={`${me.email} · ${ROLE_LABELS[me.role]}`} />
      <div className="space-y-8">
        {me.mustChangePassword && (
          <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
            <strong className="font-semibold">Change your password to continue.</strong> An admin set a temporary password for you; choose your own
            to open the console.
          </p>
        )}
        <Card>
          <CardHeader
            title="Password"
            description={
              account.hasPassword
                ? "Changing it signs you out everywhere else."
                : "You sign in with single sign-on; your password is managed there."
            }
          />
          {account.hasPassword && (
            <div className="px-5 py-4">
              <ChangePasswordForm minLength={MIN_PASSWORD_LENGTH} />
              {account.passwordChangedAt && (
                <p className="mt-3 text-xs text-slate-500">
                  Last changed <Time value={account.passwordChangedAt.toISOString()} />
                </p>
              )}
            </div>
          )}
        </Card>
        <Card>
          <CardHeader title="Sessions" description="Where you are signed in. Sessions end on sign-out, after their lifetime, or here." />
          <Table>
            <thead className="bg-slate-50">
              <tr>
                <Th>Browser</Th>
                <Th>Address</Th>
                <Th>Signed in</Th>
                <Th>Last seen</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {account.sessions.map((s) => (
                <tr key={s.id} data-testid="session-row">
                  <Td className="max-w-sm truncate text-xs" title={s.userAgent ?? undefined}>
                    {s.userAgent ?? "unknown"} {s.id === me.sessionId && <Badge>this session</Badge>}
                  </Td>
                  <Td className="text-xs">{s.ipAddress ?? "unknown"}</Td>
                  <Td className="text-xs">
                    <Time value={s.createdAt.toISOString()} />
                  </Td>
                  <Td className="text-xs">
                    <Time value={s.lastSeenAt.toISOString()} />
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <div className="border-t border-slate-100 px-5 py-4">
            <SignOutOthersForm others={account.sessions.filter((s) => s.id !== me.sessionId).length} />
          </div>
        </Card>
      </div>
    </>
  );
}
