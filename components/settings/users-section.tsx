"use client";

import { useActionState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { Card, CardHeader } from "@/components/ui/card";
import { Field, FormMessage, inputClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { IDLE, type ActionState } from "@/lib/forms";
import { ROLE_LABELS, ROLES, type Role } from "@/lib/rbac";
import { createUserAction, resetPasswordAction, signOutEverywhereAction, updateUserAction } from "@/lib/users/actions";

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  lastLoginAt: string | null;
  sso: boolean;
}

function RoleOptions() {
  return ROLES.map((r) => (
    <option key={r} value={r}>
      {ROLE_LABELS[r]}
    </option>
  ));
}

/** Sets a password the admin typed, or a generated one, shown here once; the user must change it at next sign-in. */
function ResetPasswordForm({ user }: { user: UserRow }) {
  const [state, action, pending] = useActionState<ActionState<{ password: string }>, FormData>(resetPasswordAction, IDLE);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2" aria-label={`Reset the password of ${user.email}`}>
      <input type="hidden" name="userId" value={user.id} />
      <label className="sr-only" htmlFor={`reset-${user.id}`}>
        New password for {user.email} (empty: generate one)
      </label>
      <input
        id={`reset-${user.id}`}
        name="password"
        type="password"
        minLength={8}
        placeholder="Generate one"
        autoComplete="new-password"
        className={`${inputClass} !w-36`}
      />
      <ConfirmDialog
        trigger="Reset password"
        title={`Reset the password of ${user.email}?`}
        body="Their sessions end now, and they must choose a new password when they next sign in."
        confirmLabel="Reset password"
        pending={pending}
      />
      <FormMessage state={state} />
      {state.status === "success" && state.data && (
        <p className="w-full text-sm text-slate-700">
          Temporary password, shown once:{" "}
          <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono" data-testid="temporary-password">
            {state.data.password}
          </code>
        </p>
      )}
    </form>
  );
}

function SignOutEverywhereForm({ user }: { user: UserRow }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(signOutEverywhereAction, IDLE);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2" aria-label={`Sign ${user.email} out everywhere`}>
      <input type="hidden" name="userId" value={user.id} />
      <ConfirmDialog
        trigger="Sign out everywhere"
        title={`Sign ${user.email} out everywhere?`}
        body="Every session of theirs ends now; they can sign in again."
        confirmLabel="Sign out everywhere"
        pending={pending}
      />
      <FormMessage state={state} />
    </form>
  );
}

function UserRowForm({ user, isMe }: { user: UserRow; isMe: boolean }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(updateUserAction, IDLE);
  return (
    <tr data-testid={`user-row-${user.email}`}>
      <Td>
        <div className="font-medium text-slate-900">{user.name ?? user.email}</div>
        <div className="text-xs text-slate-500">
          {user.email} {user.sso && <Badge tone="violet">SSO</Badge>} {isMe && <Badge>you</Badge>}
        </div>
      </Td>
      <Td className="text-xs">
        <Time value={user.lastLoginAt} />
      </Td>
      <Td colSpan={2}>
        <form action={action} className="flex flex-wrap items-center gap-3">
          <input type="hidden" name="userId" value={user.id} />
          <label className="sr-only" htmlFor={`role-${user.id}`}>
            Role of {user.email}
          </label>
          <select id={`role-${user.id}`} name="role" defaultValue={user.role} className={`${inputClass} !w-40`}>
            <RoleOptions />
          </select>
          <label className="flex items-center gap-1.5 text-sm text-slate-700">
            <input type="checkbox" name="disabled" defaultChecked={user.disabled} className="h-4 w-4 rounded border-slate-300" />
            Disabled
          </label>
          <Button type="submit" variant="secondary" size="sm" disabled={pending}>
            {pending ? "Saving…" : "Save"}
          </Button>
          <FormMessage state={state} />
        </form>
      </Td>
      <Td>
        {/* Your own password and sessions are on your profile page. */}
        {!isMe && (
          <div className="flex flex-col gap-2">
            {!user.sso && <ResetPasswordForm user={user} />}
            <SignOutEverywhereForm user={user} />
          </div>
        )}
      </Td>
    </tr>
  );
}

function CreateUserForm() {
  const [state, action, pending] = useActionState<ActionState, FormData>(createUserAction, IDLE);
  const errors = state.status === "invalid" ? state.errors : {};
  const { ref, onSubmit } = useKeepInputOnError(action, state);
  return (
    <form ref={ref} action={action} onSubmit={onSubmit} className="grid gap-3 border-t border-slate-100 px-5 py-4 md:grid-cols-5" aria-label="Add a user">
      <Field label="E-mail" name="email" errors={errors.email}>
        {(p) => <input {...p} type="email" required className={inputClass} autoComplete="off" />}
      </Field>
      <Field label="Name" name="name" errors={errors.name}>
        {(p) => <input {...p} className={inputClass} />}
      </Field>
      <Field label="Role" name="role" errors={errors.role}>
        {(p) => (
          <select {...p} defaultValue="VIEWER" className={inputClass}>
            <RoleOptions />
          </select>
        )}
      </Field>
      <Field label="Initial password" name="password" errors={errors.password} hint="At least 8 characters.">
        {(p) => <input {...p} type="password" required minLength={8} className={inputClass} autoComplete="new-password" />}
      </Field>
      <div className="flex flex-col justify-end gap-1 pb-0.5">
        <Button type="submit" disabled={pending}>
          {pending ? "Adding…" : "Add user"}
        </Button>
      </div>
      <div className="md:col-span-5">
        <FormMessage state={state} />
      </div>
    </form>
  );
}

export function UsersSection({ users, meId }: { users: UserRow[]; meId: string }) {
  return (
    <Card>
      <CardHeader title="Users and roles" description="Roles decide what each person sees and may change. A changed role, a disabled account or a reset password signs that person out everywhere." />
      <Table>
        <thead className="bg-slate-50">
          <tr>
            <Th>User</Th>
            <Th>Last sign-in</Th>
            <Th colSpan={2}>Role and access</Th>
            <Th>Password and sessions</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {users.map((u) => (
            <UserRowForm key={u.id} user={u} isMe={u.id === meId} />
          ))}
        </tbody>
      </Table>
      <CreateUserForm />
    </Card>
  );
}
