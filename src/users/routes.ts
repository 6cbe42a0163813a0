import Router from '@koa/router';
import type { AppState } from '../shared/http.js';
import { parseBody } from '../shared/http.js';
import { requireAuth } from './auth.js';
import { loginSchema, registerSchema } from './schemas.js';
import type { UserService } from './service.js';

export function userRoutes({ users }: { users: UserService }) {
  const router = new Router<AppState>({ prefix: '/auth' });

  router.get('/me', requireAuth(users), (ctx) => {
    ctx.body = ctx.state.user;
  });

  router.post('/register', async (ctx) => {
    ctx.status = 201;
    ctx.body = await users.register(parseBody(registerSchema, ctx));
  });

  router.post('/login', async (ctx) => {
    ctx.body = await users.login(parseBody(loginSchema, ctx));
  });

  return router;
}
