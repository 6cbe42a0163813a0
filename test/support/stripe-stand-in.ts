import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { REQUIRES_ACTION, SUCCEEDS } from '../../src/payments/sandbox.js';

/**
 * A local stand-in for the parts of Stripe's API the shop uses, so the real `stripe` SDK can be
 * driven over HTTP (STRIPE_API_BASE): PaymentIntents create (with confirm) / retrieve / confirm /
 * cancel and Refunds create / retrieve, with Stripe's semantics: form-encoded bodies, its error
 * object, idempotency (same key and parameters → the saved answer; other parameters → an
 * idempotency_error; the same key while the first is running → 409), test cards, 3-D Secure, and
 * signed webhooks. A request Stripe would refuse (an unknown payment method, an amount over its
 * ceiling) is a 400 invalid_request_error, never a decline. Switches make the next requests answer 500, 429 or never (a lost answer).
 */

type Json = Record<string, unknown>;

interface Intent {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  status: string;
  client_secret: string;
  metadata: Record<string, string>;
  payment_method: string | null;
  next_action: Json | null;
  last_payment_error: Json | null;
  latest_charge: string | null;
  created: number;
}

interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  status: string;
  created: number;
}

export type StandInFault = 'server_error' | 'timeout' | 'rate_limit';

const DECLINES: Record<string, { code: string; decline_code?: string }> = {
  pm_card_chargeDeclined: { code: 'card_declined', decline_code: 'generic_decline' },
  pm_card_visa_chargeDeclined: { code: 'card_declined', decline_code: 'generic_decline' },
  pm_card_chargeDeclinedInsufficientFunds: { code: 'card_declined', decline_code: 'insufficient_funds' },
  pm_card_visa_chargeDeclinedInsufficientFunds: { code: 'card_declined', decline_code: 'insufficient_funds' },
  pm_card_chargeDeclinedLostCard: { code: 'card_declined', decline_code: 'lost_card' },
  pm_card_chargeDeclinedStolenCard: { code: 'card_declined', decline_code: 'stolen_card' },
  pm_card_chargeDeclinedExpiredCard: { code: 'expired_card', decline_code: 'expired_card' },
  pm_card_chargeDeclinedIncorrectCvc: { code: 'incorrect_cvc', decline_code: 'incorrect_cvc' },
  pm_card_chargeDeclinedFraudulent: { code: 'card_declined', decline_code: 'fraudulent' },
  pm_card_chargeDeclinedProcessingError: { code: 'processing_error' },
};
/** Stripe's ceiling for one charge: eight digits of minor units ($999,999.99). */
const MAX_AMOUNT = 99_999_999;

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/** Stripe's form encoding: `metadata[order_id]=…`, `expand[0]=…`, `a[b]=true`. */
function parseForm(body: string): Json {
  const out: Json = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else {
        node[part] ??= {};
        node = node[part] as Json;
      }
    });
  }
  return out;
}

class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(String(body.message));
  }
}

const invalid = (message: string, status = 400, extra: Json = {}) =>
  new StripeFailure(status, { type: 'invalid_request_error', message, ...extra });

/** A payment method id Stripe has no object for is refused before anything is created or charged. */
function assertKnownMethod(paymentMethod: string) {
  if (SUCCEEDS.has(paymentMethod) || REQUIRES_ACTION.has(paymentMethod) || paymentMethod in DECLINES) return;
  throw invalid(`No such PaymentMethod: '${paymentMethod}'`, 400, {
    code: 'resource_missing',
    param: 'payment_method',
  });
}

export async function startStripeStandIn({ webhookSecret }: { webhookSecret: string }) {
  const intents = new Map<string, Intent>();
  const refunds = new Map<string, Refund>();
  const saved = new Map<string, { fingerprint: string; status: number; body: Json }>();
  const running = new Set<string>();
  const faults: StandInFault[] = [];
  const held = new Set<http.ServerResponse>();
  const deliveries: Promise<unknown>[] = [];
  const requests: { method: string; path: string; idempotencyKey?: string }[] = [];
  let webhookUrl: string | null = null;
  let autoWebhooks = true;

  function signedEvent(type: string, object: Json, { secret = webhookSecret, timestamp = now() } = {}) {
    const payload = JSON.stringify({
      id: id('evt'),
      object: 'event',
      api_version: '2025-01-01',
      created: timestamp,
      livemode: false,
      type,
      data: { object },
    });
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    return { payload, header };
  }

  async function deliver(payload: string, header: string | null) {
    if (!webhookUrl) return null;
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header ? { 'stripe-signature': header } : {}) },
      body: payload,
    });
    return { status: res.status, body: await res.text() };
  }

  /** Sends the event for an object's change, as Stripe does, if webhooks are on. */
  function emit(type: string, object: Json) {
    if (!autoWebhooks || !webhookUrl) return;
    const { payload, header } = signedEvent(type, object);
    deliveries.push(deliver(payload, header).catch(() => undefined));
  }

  function confirm(intent: Intent, paymentMethod: string) {
    intent.payment_method = paymentMethod;
    intent.next_action = null;
    intent.last_payment_error = null;
    if (SUCCEEDS.has(paymentMethod)) {
      intent.status = 'succeeded';
      intent.latest_charge = id('ch');
      emit('payment_intent.succeeded', { ...intent });
      return;
    }
    if (REQUIRES_ACTION.has(paymentMethod)) {
      intent.status = 'requires_action';
      intent.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } };
      emit('payment_intent.requires_action', { ...intent });
      return;
    }
    const decline = DECLINES[paymentMethod]!;
    intent.status = 'requires_payment_method';
    intent.last_payment_error = { type: 'card_error', ...decline, message: 'Your card was declined.' };
    emit('payment_intent.payment_failed', { ...intent });
    throw new StripeFailure(402, {
      type: 'card_error',
      ...decline,
      message: 'Your card was declined.',
      payment_intent: { ...intent },
    });
  }

  function route(method: string, path: string, params: Json): Json {
    const intentPath = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    const intentAction = /^\/v1\/payment_intents\/([^/]+)\/(confirm|cancel)$/.exec(path);
    const refundPath = /^\/v1\/refunds\/([^/]+)$/.exec(path);
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/payment_intents') {
      const amount = Number(params.amount);
      if (!Number.isInteger(amount) || amount < 1)
        throw invalid('Invalid positive integer', 400, { param: 'amount' });
      if (amount > MAX_AMOUNT)
        throw invalid('Amount must be no more than $999,999.99', 400, {
          code: 'amount_too_large',
          param: 'amount',
        });
      if (typeof params.currency !== 'string')
        throw invalid('Missing required param: currency.', 400, { param: 'currency' });
      if (typeof params.payment_method === 'string') assertKnownMethod(params.payment_method);
      const intent: Intent = {
        id: id('pi'),
        object: 'payment_intent',
        amount,
        currency: params.currency,
        status: 'requires_payment_method',
        client_secret: '',
        metadata: (params.metadata as Record<string, string>) ?? {},
        payment_method: (params.payment_method as string) ?? null,
        next_action: null,
        last_payment_error: null,
        latest_charge: null,
        created: now(),
      };
      intent.client_secret = `${intent.id}_secret_${randomBytes(8).toString('hex')}`;
      intents.set(intent.id, intent);
      if (params.confirm === 'true' && intent.payment_method) confirm(intent, intent.payment_method);
      return { ...intent };
    }
    m = intentPath;
    if (m && method === 'GET') {
      const intent = intents.get(m[1]!);
      if (!intent) throw invalid(`No such payment_intent: '${m[1]}'`, 404, { code: 'resource_missing' });
      return { ...intent };
    }
    m = intentAction;
    if (m && method === 'POST') {
      const intent = intents.get(m[1]!);
      if (!intent) throw invalid(`No such payment_intent: '${m[1]}'`, 404, { code: 'resource_missing' });
      if (m[2] === 'cancel') {
        if (intent.status === 'succeeded' || intent.status === 'canceled') {
          throw invalid(`This PaymentIntent's status is ${intent.status}`, 400, {
            code: 'payment_intent_unexpected_state',
          });
        }
        intent.status = 'canceled';
        emit('payment_intent.canceled', { ...intent });
        return { ...intent };
      }
      if (intent.status !== 'requires_payment_method' && intent.status !== 'requires_confirmation') {
        throw invalid(`This PaymentIntent's status is ${intent.status}`, 400, {
          code: 'payment_intent_unexpected_state',
        });
      }
      const paymentMethod = (params.payment_method as string) ?? intent.payment_method ?? '';
      assertKnownMethod(paymentMethod);
      confirm(intent, paymentMethod);
      return { ...intent };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = intents.get(String(params.payment_intent));
      if (!intent)
        throw invalid(`No such payment_intent: '${params.payment_intent}'`, 404, {
          code: 'resource_missing',
        });
      if (intent.status !== 'succeeded')
        throw invalid('This PaymentIntent has no successful charge to refund', 400, {
          code: 'charge_not_refundable',
        });
      const refund: Refund = {
        id: id('re'),
        object: 'refund',
        amount: params.amount ? Number(params.amount) : intent.amount,
        currency: intent.currency,
        payment_intent: intent.id,
        status: 'succeeded',
        created: now(),
      };
      refunds.set(refund.id, refund);
      emit('refund.created', { ...refund });
      return { ...refund };
    }
    m = refundPath;
    if (m && method === 'GET') {
      const refund = refunds.get(m[1]!);
      if (!refund) throw invalid(`No such refund: '${m[1]}'`, 404, { code: 'resource_missing' });
      return { ...refund };
    }
    throw invalid(`Unrecognized request URL (${method}: ${path})`, 404);
  }

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const key = req.headers['idempotency-key'] as string | undefined;
    requests.push({ method, path: url.pathname, ...(key ? { idempotencyKey: key } : {}) });
    const send = (status: number, json: Json) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
      res.end(JSON.stringify(json));
    };
    if (!String(req.headers.authorization ?? '').startsWith('Bearer sk_')) {
      return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    }
    const fault = faults.shift();
    // Before the endpoint runs: nothing is saved under the key, so a retry executes.
    if (fault === 'server_error')
      return send(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
    if (fault === 'rate_limit') {
      return send(429, {
        error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' },
      });
    }
    const params = method === 'GET' ? Object.fromEntries(url.searchParams) : parseForm(body);
    const slot = key ? `${method} ${url.pathname} ${key}` : null;
    const fingerprint = JSON.stringify(params);
    if (slot) {
      const first = saved.get(slot);
      if (first) {
        if (first.fingerprint !== fingerprint) {
          return send(400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          });
        }
        res.setHeader('idempotent-replayed', 'true');
        return send(first.status, first.body);
      }
      if (running.has(slot)) {
        return send(409, {
          error: {
            type: 'idempotency_error',
            message:
              'There is currently another in-progress request using this Idempotent Key. Please try again later.',
          },
        });
      }
      running.add(slot);
    }
    let status = 200;
    let answer: Json;
    try {
      answer = route(method, url.pathname, params);
    } catch (err) {
      if (!(err instanceof StripeFailure)) throw err;
      status = err.status;
      answer = { error: err.body };
    }
    if (slot) {
      // Once the endpoint ran, its answer is the key's, errors included.
      saved.set(slot, { fingerprint, status, body: answer });
      running.delete(slot);
    }
    if (fault === 'timeout') {
      // Done here, lost on the way back: the client's timeout is all that ends it.
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    send(status, answer);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    intents,
    refunds,
    requests,
    /** Where Stripe sends events (the service's POST /webhooks/stripe); null stops deliveries. */
    webhooksTo(url: string | null, { automatic = true } = {}) {
      webhookUrl = url;
      autoWebhooks = automatic;
    },
    /** The next requests suffer these faults, one each. */
    failNext(...list: StandInFault[]) {
      faults.push(...list);
    },
    /** The customer completes (or fails) 3-D Secure in the browser. */
    authenticate(intentId: string, ok = true) {
      const intent = intents.get(intentId)!;
      if (intent.status !== 'requires_action') throw new Error(`${intentId} is ${intent.status}`);
      if (ok) {
        intent.status = 'succeeded';
        intent.next_action = null;
        intent.latest_charge = id('ch');
        emit('payment_intent.succeeded', { ...intent });
      } else {
        intent.status = 'requires_payment_method';
        intent.next_action = null;
        intent.last_payment_error = { type: 'card_error', code: 'payment_intent_authentication_failure' };
        emit('payment_intent.payment_failed', { ...intent });
      }
    },
    /** A refund made outside the shop (Stripe's dashboard), of all or part of the charge. */
    refundInDashboard(intentId: string, amount?: number) {
      return route('POST', '/v1/refunds', {
        payment_intent: intentId,
        ...(amount ? { amount: String(amount) } : {}),
      }) as unknown as Refund;
    },
    /** The bank returns a refund: it fails after it was accepted (refund.failed). */
    failRefund(refundId: string) {
      const refund = refunds.get(refundId)!;
      refund.status = 'failed';
      emit('refund.failed', { ...refund });
      return refund;
    },
    signedEvent,
    /** Delivers an event (signed, or with the given header) and answers the service's response. */
    deliver,
    /** Waits for every automatic delivery sent so far. */
    async settled() {
      while (deliveries.length) await Promise.all(deliveries.splice(0));
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export type StripeStandIn = Awaited<ReturnType<typeof startStripeStandIn>>;
