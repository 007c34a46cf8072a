import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/**
 * A local server speaking the parts of Stripe's REST API the billing code uses: form-encoded
 * bodies with bracket notation, Bearer key auth, objects with `object` and prefixed ids, list
 * objects with `has_more`, and error envelopes `{ error: { type, code, message } }` with
 * Stripe's status codes. The real `stripe` SDK is pointed at it with host, port and
 * protocol 'http'. Tests drive what Stripe would do on its side (a customer paying, a renewal
 * failing, a subscription ending) and get back the events Stripe would send, to deliver
 * signed to the webhook endpoint.
 */

type Json = Record<string, unknown>;

export interface TestPrice {
  unitAmount: number;
  currency: string;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  api_version: string;
  livemode: false;
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
  data: { object: Json; previous_attributes?: Json };
}

const API_VERSION = '2025-11-17.clover';
const MONTH_SECONDS = 30 * 86_400;

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | undefined,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

const missing = (kind: string, id: string, param = 'id') =>
  new StripeApiError(404, 'invalid_request_error', 'resource_missing', `No such ${kind}: '${id}'`, param);
const invalid = (message: string, param: string) =>
  new StripeApiError(400, 'invalid_request_error', 'parameter_missing', message, param);

/** `a[b][0][c]=v` → `{ a: { b: [ { c: 'v' } ] } }`, as Stripe reads form bodies. */
export function parseStripeForm(body: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Json = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Json;
    });
  }
  return arraysOf(root) as Json;
}

function arraysOf(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Json).map(([k, v]) => [k, arraysOf(v)] as const);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  }
  return Object.fromEntries(entries);
}

const copy = <T>(value: T): T => structuredClone(value);

export class StripeTestServer {
  readonly apiKey = `sk_test_${randomBytes(12).toString('hex')}`;
  /** Every API request, method and path, in order (to assert what the code asked Stripe). */
  readonly requests: { method: string; path: string; body: Json }[] = [];
  readonly customers = new Map<string, Json>();
  readonly checkoutSessions = new Map<string, Json>();
  readonly portalSessions = new Map<string, Json>();
  readonly subscriptions = new Map<string, Json>();
  readonly invoices = new Map<string, Json>();
  /** Seconds added to the clock, so tests can make events that happen "later". */
  clockOffset = 0;
  /** The next this many customer deletions (HTTP requests, the SDK's retries included) answer 500. */
  failCustomerDeletions = 0;
  private server!: Server;
  /** Stripe replays the first answer to a POST with the same Idempotency-Key. */
  private readonly idempotent = new Map<string, string>();
  private counter = 0;

  private constructor(private readonly prices: Record<string, TestPrice>) {}

  static async start(prices: Record<string, TestPrice>): Promise<StripeTestServer> {
    const stripe = new StripeTestServer(prices);
    stripe.server = createServer((req, res) => void stripe.handle(req, res));
    await new Promise<void>((resolve) => stripe.server.listen(0, '127.0.0.1', resolve));
    return stripe;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The SDK pointed at this server, as the billing code builds it. */
  client(apiKey = this.apiKey): Stripe {
    return new Stripe(apiKey, { host: '127.0.0.1', port: this.port, protocol: 'http', maxNetworkRetries: 0 });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffset;
  }

  private id(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${randomBytes(7).toString('hex')}${this.counter.toString(36)}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const body =
      method === 'GET' ? Object.fromEntries(url.searchParams) : parseStripeForm(Buffer.concat(chunks).toString());
    this.requests.push({ method, path: url.pathname, body });
    try {
      if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
        throw new StripeApiError(401, 'invalid_request_error', undefined, 'Invalid API Key provided');
      }
      const key = method === 'POST' ? req.headers['idempotency-key'] : undefined;
      const replayed = typeof key === 'string' ? this.idempotent.get(key) : undefined;
      const text = replayed ?? JSON.stringify(this.route(method, url.pathname.split('/').filter(Boolean), body));
      if (typeof key === 'string') this.idempotent.set(key, text);
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': this.id('req') });
      res.end(text);
    } catch (error) {
      const failure =
        error instanceof StripeApiError
          ? error
          : new StripeApiError(500, 'api_error', undefined, `Unexpected: ${(error as Error).message}`);
      res.writeHead(failure.status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            type: failure.type,
            ...(failure.code ? { code: failure.code } : {}),
            message: failure.message,
            ...(failure.param ? { param: failure.param } : {}),
          },
        }),
      );
    }
  }

  private route(method: string, path: string[], body: Json): Json {
    const [version, resource, a, b] = path;
    if (version !== 'v1') throw new StripeApiError(404, 'invalid_request_error', undefined, 'Unrecognized request URL');
    if (resource === 'customers' && method === 'POST' && !a) return this.createCustomer(body);
    if (resource === 'customers' && method === 'GET' && a) return copy(this.requireCustomer(a, true));
    if (resource === 'customers' && method === 'DELETE' && a) return this.deleteCustomer(a);
    if (resource === 'checkout' && a === 'sessions' && method === 'POST' && !b) return this.createCheckout(body);
    if (resource === 'billing_portal' && a === 'sessions' && method === 'POST') return this.createPortal(body);
    if (resource === 'subscriptions' && a && method === 'GET') return copy(this.requireSubscription(a));
    if (resource === 'subscriptions' && a && method === 'POST') return this.updateSubscription(a, body);
    if (resource === 'invoices' && method === 'GET' && !a) return this.listInvoices(body);
    throw new StripeApiError(
      404,
      'invalid_request_error',
      undefined,
      `Unrecognized request URL (${method}: /${path.join('/')})`,
    );
  }

  private createCustomer(body: Json): Json {
    const customer = {
      id: this.id('cus'),
      object: 'customer',
      created: this.now(),
      email: body.email ?? null,
      name: body.name ?? null,
      metadata: body.metadata ?? {},
      livemode: false,
    };
    this.customers.set(customer.id, customer);
    return copy(customer);
  }

  private requireCustomer(id: string, allowDeleted = false): Json {
    const customer = this.customers.get(id);
    if (!customer || (customer.deleted && !allowDeleted)) throw missing('customer', id, 'customer');
    return customer;
  }

  private deleteCustomer(id: string): Json {
    if (this.failCustomerDeletions > 0) {
      this.failCustomerDeletions -= 1;
      throw new StripeApiError(500, 'api_error', undefined, 'An unexpected error occurred (test failure).');
    }
    const customer = this.requireCustomer(id);
    const gone = { id, object: 'customer', deleted: true };
    this.customers.set(id, gone);
    // Stripe cancels the subscriptions of a deleted customer at once.
    for (const subscription of this.subscriptions.values()) {
      if (subscription.customer === customer.id) subscription.status = 'canceled';
    }
    return gone;
  }

  private createCheckout(body: Json): Json {
    if (body.mode !== 'subscription') throw invalid('This test server only knows mode=subscription', 'mode');
    for (const param of ['success_url', 'cancel_url', 'customer']) {
      if (!body[param]) throw invalid(`Missing required param: ${param}.`, param);
    }
    this.requireCustomer(String(body.customer));
    const items = (body.line_items ?? []) as Json[];
    const price = String(items[0]?.price ?? '');
    if (!this.prices[price]) throw missing('price', price, 'line_items[0][price]');
    const id = this.id('cs_test');
    const session = {
      id,
      object: 'checkout.session',
      mode: 'subscription',
      status: 'open',
      payment_status: 'unpaid',
      customer: body.customer,
      client_reference_id: body.client_reference_id ?? null,
      metadata: body.metadata ?? {},
      success_url: body.success_url,
      cancel_url: body.cancel_url,
      url: `${this.baseUrl}/c/pay/${id}`,
      subscription: null,
      created: this.now(),
      expires_at: this.now() + 86_400,
      line_items_price: price,
      subscription_metadata: (body.subscription_data as Json | undefined)?.metadata ?? {},
    };
    this.checkoutSessions.set(id, session);
    return this.publicSession(session);
  }

  private publicSession(session: Json): Json {
    const { line_items_price: _price, subscription_metadata: _metadata, ...visible } = copy(session);
    return visible;
  }

  private createPortal(body: Json): Json {
    if (!body.customer) throw invalid('Missing required param: customer.', 'customer');
    this.requireCustomer(String(body.customer));
    const id = this.id('bps');
    const session = {
      id,
      object: 'billing_portal.session',
      customer: body.customer,
      return_url: body.return_url ?? null,
      url: `${this.baseUrl}/p/session/${id}`,
      created: this.now(),
      livemode: false,
    };
    this.portalSessions.set(id, session);
    return copy(session);
  }

  private requireSubscription(id: string): Json {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw missing('subscription', id);
    return subscription;
  }

  private updateSubscription(id: string, body: Json): Json {
    const subscription = this.requireSubscription(id);
    if (subscription.status === 'canceled') {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'resource_missing',
        'A canceled subscription can only update its cancellation_details and metadata.',
      );
    }
    if (body.cancel_at_period_end !== undefined) {
      subscription.cancel_at_period_end = body.cancel_at_period_end === 'true';
      subscription.cancel_at = subscription.cancel_at_period_end ? this.periodEnd(subscription) : null;
    }
    return copy(subscription);
  }

  private listInvoices(query: Json): Json {
    const limit = Math.min(Number(query.limit ?? 10), 100);
    let all = [...this.invoices.values()]
      .filter((invoice) => !query.customer || invoice.customer === query.customer)
      .sort((x, y) => Number(y.created) - Number(x.created) || String(y.id).localeCompare(String(x.id)));
    if (query.starting_after) {
      const at = all.findIndex((invoice) => invoice.id === query.starting_after);
      all = at < 0 ? [] : all.slice(at + 1);
    }
    return { object: 'list', url: '/v1/invoices', has_more: all.length > limit, data: copy(all.slice(0, limit)) };
  }

  private periodEnd(subscription: Json): number {
    const items = (subscription.items as { data: Json[] }).data;
    return Number(items[0]!.current_period_end);
  }

  // ---- What Stripe does on its side, returning the events it would send ----

  /** An event as Stripe sends it; `createdOffset` moves its creation time (seconds). */
  event(type: string, object: Json, createdOffset = 0, previous?: Json): StripeEvent {
    return {
      id: this.id('evt'),
      object: 'event',
      type,
      created: this.now() + createdOffset,
      api_version: API_VERSION,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: copy(object), ...(previous ? { previous_attributes: previous } : {}) },
    };
  }

  /**
   * The customer pays on the checkout page: the session completes, a subscription starts and
   * its first invoice is paid. Returns the three events in the order Stripe usually sends them.
   */
  completeCheckout(sessionId: string): { subscriptionId: string; events: StripeEvent[] } {
    const session = this.checkoutSessions.get(sessionId);
    if (!session) throw new Error(`no checkout session ${sessionId}`);
    const priceId = String(session.line_items_price);
    const start = this.now();
    const subscription: Json = {
      id: this.id('sub'),
      object: 'subscription',
      customer: session.customer,
      status: 'active',
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
      ended_at: null,
      created: start,
      start_date: start,
      metadata: session.subscription_metadata,
      cancellation_details: { reason: null, comment: null, feedback: null },
      items: { object: 'list', has_more: false, data: [this.item(priceId, start)] },
      livemode: false,
    };
    this.subscriptions.set(String(subscription.id), subscription);
    Object.assign(session, { status: 'complete', payment_status: 'paid', subscription: subscription.id });
    const invoice = this.invoice(subscription, 'paid');
    return {
      subscriptionId: String(subscription.id),
      events: [
        this.event('checkout.session.completed', this.publicSession(session)),
        this.event('customer.subscription.created', subscription),
        this.event('invoice.paid', invoice),
      ],
    };
  }

  private item(priceId: string, start: number): Json {
    const price = this.prices[priceId]!;
    return {
      id: this.id('si'),
      object: 'subscription_item',
      quantity: 1,
      current_period_start: start,
      current_period_end: start + MONTH_SECONDS,
      price: {
        id: priceId,
        object: 'price',
        currency: price.currency,
        unit_amount: price.unitAmount,
        recurring: { interval: 'month', interval_count: 1 },
      },
    };
  }

  private invoice(subscription: Json, status: 'paid' | 'open'): Json {
    const item = (subscription.items as { data: Json[] }).data[0]!;
    const price = item.price as Json;
    const amount = Number(price.unit_amount);
    const invoice = {
      id: this.id('in'),
      object: 'invoice',
      customer: subscription.customer,
      status,
      number: `TEST-${String(this.invoices.size + 1).padStart(4, '0')}`,
      currency: price.currency,
      amount_due: amount,
      amount_paid: status === 'paid' ? amount : 0,
      total: amount,
      created: this.now(),
      period_start: item.current_period_start,
      period_end: item.current_period_end,
      hosted_invoice_url: `${this.baseUrl}/i/${subscription.id}`,
      invoice_pdf: `${this.baseUrl}/i/${subscription.id}/pdf`,
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: subscription.id, metadata: subscription.metadata },
      },
      livemode: false,
    };
    this.invoices.set(invoice.id, invoice);
    return invoice;
  }

  /** The customer switches plan in the portal: a `customer.subscription.updated` event. */
  changePrice(subscriptionId: string, priceId: string, createdOffset = 0): StripeEvent {
    const subscription = this.requireSubscription(subscriptionId);
    const items = subscription.items as { data: Json[] };
    const previous = { items: copy(items) };
    items.data = [this.item(priceId, this.now())];
    return this.event('customer.subscription.updated', subscription, createdOffset, previous);
  }

  /** The period ends on a subscription set to cancel (or Stripe gives up on payment). */
  endSubscription(subscriptionId: string, createdOffset = 0): StripeEvent {
    const subscription = this.requireSubscription(subscriptionId);
    Object.assign(subscription, {
      status: 'canceled',
      canceled_at: this.now(),
      ended_at: this.now(),
      cancellation_details: { reason: 'cancellation_requested', comment: null, feedback: null },
    });
    return this.event('customer.subscription.deleted', subscription, createdOffset);
  }

  /** A renewal charge fails: a new open invoice and the subscription past due. */
  failRenewal(subscriptionId: string): StripeEvent[] {
    const subscription = this.requireSubscription(subscriptionId);
    subscription.status = 'past_due';
    const invoice = this.invoice(subscription, 'open');
    return [
      this.event('invoice.payment_failed', invoice),
      this.event('customer.subscription.updated', subscription, 0, { status: 'active' }),
    ];
  }

  /** A renewal paid: a new paid invoice. */
  renew(subscriptionId: string): StripeEvent {
    const subscription = this.requireSubscription(subscriptionId);
    subscription.status = 'active';
    return this.event('invoice.paid', this.invoice(subscription, 'paid'));
  }
}

/** Posts an event to a webhook endpoint signed as Stripe signs it (`timestamp` in seconds). */
export async function deliverWebhook(
  url: string,
  event: StripeEvent | string,
  secret: string,
  options: { timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const signature =
    options.signature ?? Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: options.timestamp });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature, ...options.headers },
    body: payload,
  });
  return { status: response.status, body: await response.text() };
}

export const TEST_PRICES: Record<string, TestPrice> = {
  price_standard_monthly: { unitAmount: 999, currency: 'eur' },
  price_premium_monthly: { unitAmount: 1999, currency: 'eur' },
  price_vip_monthly: { unitAmount: 4999, currency: 'eur' },
};

export const TEST_REDIRECT_ORIGIN = 'https://app.nexus.test';

/** The users subgraph's billing settings for a local server (read from process.env when services start). */
export function billingEnv(stripe: StripeTestServer, webhookSecret: string): Record<string, string> {
  return {
    STRIPE_API_KEY: stripe.apiKey,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_PRICE_STANDARD: 'price_standard_monthly',
    STRIPE_PRICE_PREMIUM: 'price_premium_monthly',
    STRIPE_PRICE_VIP: 'price_vip_monthly',
    STRIPE_API_BASE_URL: stripe.baseUrl,
    BILLING_REDIRECT_ORIGINS: `${TEST_REDIRECT_ORIGIN}, http://localhost:5173`,
  };
}

/** Sets variables for the duration of a stack start; returns how to put the old values back. */
export function withEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
