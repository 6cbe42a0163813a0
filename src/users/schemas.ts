import { z } from 'zod';

export const roleSchema = z.enum(['customer', 'admin']);
export type Role = z.infer<typeof roleSchema>;

const email = z
  .email()
  .max(254)
  .transform((v) => v.toLowerCase());

export const registerSchema = z
  .object({
    email,
    password: z.string().min(8, 'must be at least 8 characters').max(200),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type RegisterInput = z.infer<typeof registerSchema>;

export const loginSchema = z
  .object({
    email,
    password: z.string().min(1).max(200),
  })
  .strict();
export type LoginInput = z.infer<typeof loginSchema>;

/** Optional on register/login: a guest's cart token, so the guest cart follows the shopper in. */
export const cartTokenHeader = 'x-cart-token';

export const passwordChangeSchema = z
  .object({
    current_password: z.string().min(1).max(200),
    new_password: registerSchema.shape.password,
  })
  .strict();
export type PasswordChangeInput = z.infer<typeof passwordChangeSchema>;
