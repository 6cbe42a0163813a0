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

export const sessionSchema = z
  .strictObject({
    user_id: z.uuid(),
    token: z.string().meta({ description: 'Send as `Authorization: Bearer <token>`' }),
    cart_id: z
      .uuid()
      .optional()
      .meta({ description: "The user's cart, when a guest cart (X-Cart-Token) was folded into it" }),
  })
  .meta({ id: 'Session' });

export const meSchema = z
  .strictObject({ id: z.uuid(), email: z.email(), role: roleSchema })
  .meta({ id: 'Me' });

export const passwordChangedSchema = z
  .strictObject({
    user_id: z.uuid(),
    token: z.string().meta({ description: 'A fresh token: every earlier session ended' }),
    revoked_sessions: z.number().int().min(0),
  })
  .meta({ id: 'PasswordChanged' });

export const userListSchema = z
  .strictObject({
    users: z.array(
      z.strictObject({
        id: z.uuid(),
        email: z.email(),
        name: z.string().nullable(),
        role: roleSchema,
        created_at: z.iso.datetime({ offset: true }),
      }),
    ),
  })
  .meta({ id: 'UserList' });
