"use client";

import { useActionState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useKeepInputOnError } from "@/components/ui/use-keep-input-on-error";
import { Card, CardHeader } from "@/components/ui/card";
import { Field, FormMessage, inputClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { IDLE, type ActionState } from "@/lib/forms";
import { ROLE_LABELS, ROLES, type Role } from "@/lib/rbac";
import { createUserAction, updateUserAction } from "@/lib/users/actions";

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
      <CardHeader title="Users and roles" description="Roles decide what each person sees and may change. Changes take effect on their next page load." />
      <Table>
        <thead className="bg-slate-50">
          <tr>
            <Th>User</Th>
            <Th>Last sign-in</Th>
            <Th colSpan={2}>Role and access</Th>
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
