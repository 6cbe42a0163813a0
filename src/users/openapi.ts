import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import {
  body,
  cartTokenHeaders,
  defineOperation,
  errors,
  json,
  noContent,
  security,
} from '../shared/openapi.js';
import {
  loginSchema,
  meSchema,
  passwordChangedSchema,
  passwordChangeSchema,
  registerSchema,
  sessionSchema,
} from './schemas.js';

const exampleSession = {
  user_id: '3c2b1a09-8f7e-4d6c-b5a4-938271605f4e',
  token: 'shop_9f8e7d6c5b4a39281706f5e4d3c2b1a0',
};

export function registerUserApi(registry: OpenAPIRegistry) {
  const tags = ['Auth'];

  defineOperation(registry, {
    method: 'post',
    path: '/auth/register',
    operationId: 'register',
    tags,
    summary: 'Create a customer account and sign in',
    description:
      'The account is a customer, signed in at once: the answer carries its session token. An email already registered is a 409. A guest cart named by `X-Cart-Token` is folded into the new account.',
    security: security.none,
    request: {
      headers: cartTokenHeaders,
      body: body(registerSchema, {
        email: 'ada@example.com',
        password: 'correct horse battery',
        name: 'Ada',
      }),
    },
    responses: {
      201: json('The new account and its session token', sessionSchema, { example: exampleSession }),
      ...errors(409, 429),
    },
  });

  defineOperation(registry, {
    method: 'post',
    path: '/auth/login',
    operationId: 'login',
    tags,
    summary: 'Sign in',
    description: 'Failed attempts count per account and per address: past the limit, a 429.',
    security: security.none,
    request: {
      headers: cartTokenHeaders,
      body: body(loginSchema, { email: 'ada@example.com', password: 'correct horse battery' }),
    },
    responses: {
      200: json('A session token', sessionSchema, { example: exampleSession }),
      ...errors(401, 429),
    },
  });

  defineOperation(registry, {
    method: 'get',
    path: '/auth/me',
    operationId: 'me',
    tags,
    summary: 'Who the token belongs to',
    description: 'The signed-in user: id, email and role.',
    security: security.customer,
    responses: { 200: json('The signed-in user', meSchema), ...errors(401) },
  });

  defineOperation(registry, {
    method: 'post',
    path: '/auth/logout',
    operationId: 'logout',
    tags,
    summary: "End this token's session",
    description: "Revokes the token sent; the user's other sessions go on.",
    security: security.customer,
    responses: { 204: noContent('Signed out: the token no longer works'), ...errors(401) },
  });

  defineOperation(registry, {
    method: 'post',
    path: '/auth/password',
    operationId: 'changePassword',
    tags,
    summary: 'Change the password (every session ends)',
    description:
      "Needs the current password: a wrong one is a 403, and each attempt counts with the account's login attempts (past the limit, a 429). Every session ends; the answer carries a fresh token for this one.",
    security: security.customer,
    request: { body: body(passwordChangeSchema) },
    responses: {
      200: json('A fresh token for this session', passwordChangedSchema),
      403: { ...errors(403)['403']!, description: 'The current password is wrong' },
      ...errors(401, 429),
    },
  });
}
