import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "@/lib/passwords";
import { ROLES } from "@/lib/rbac";

export const roleSchema = z.enum(ROLES, { message: "Choose a role." });

export const createUserSchema = z.object({
  email: z.email("Enter a valid e-mail address.").transform((e) => e.toLowerCase()),
  name: z.string().trim().max(120).optional().transform((v) => v || null),
  role: roleSchema,
  password: z.string().min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters.`).max(200),
});
export type CreateUserInput = z.infer<typeof createUserSchema>;

export const updateUserSchema = z.object({
  userId: z.string().min(1).max(64),
  role: roleSchema,
  disabled: z.boolean(),
});
export type UpdateUserInput = z.infer<typeof updateUserSchema>;

const newPassword = z.string().min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters.`).max(200);

export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password.").max(1024),
    newPassword,
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two new passwords differ." });
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;

export const resetPasswordSchema = z.object({
  userId: z.string().min(1).max(64),
  /** Empty: generate a temporary one. */
  password: z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .pipe(newPassword.optional()),
});
export type ResetPasswordInput = z.infer<typeof resetPasswordSchema>;

export const userIdSchema = z.object({ userId: z.string().min(1).max(64) });
