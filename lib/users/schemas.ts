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
