import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { computeResponse } from '@apollo/gateway/dist/resultShaping.js';
import { operationFromDocument, type Operation } from '@apollo/federation-internals';
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import { GraphQLError, Kind, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { IdentitySigner } from '../platform/auth/signed-identity.js';
import { ErrorCode, isMaskedInternal, maskError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { GatewayContext } from './gateway-context.js';
import type { PreparedSubscription, SubscriptionPlanner } from './subscription-planner.js';
import { EntityMemo } from './entity-memo.js';
import { Heartbeat, UpstreamConnections, type UpstreamEvent } from './upstream-connections.js';

/** Entity fetches remembered at once across all subscriptions (a few per identity in use). */
const MEMO_ENTRIES = 10_000;

/** The primary fetch's answer comes from the event itself, through this pseudo-subgraph. */
const EVENT_SOURCE = '__subscription_event__';

type RequestContext = Parameters<typeof executeQueryPlan>[2];
type Result = FormattedExecutionResult<Record<string, unknown>, Record<string, unknown>>;

export interface FederatedSubscriptionsOptions {
  logger: Logger;
  secret: string;
  /** Signs each subscription's identity for the subgraph (the upstream socket is shared). */
  signer: IdentitySigner;
  /** The gateway's data sources by subgraph name (entity fetches reuse them). */
  dataSources: ReadonlyMap<string, GraphQLDataSource>;
  urlOf(serviceName: string): string | undefined;
  registry: Registry;
  /** Upstream ping interval; a subgraph that misses a ping is dropped. */
  upstreamKeepAliveMs: number;
  /** How long an upstream socket with no subscription left stays open. */
  upstreamIdleCloseMs: number;
  /** How long a subscription reuses an entity fetch's result (0: never). */
  entityTtlMs: number;
  /** Events queued for one slow client before its subscription is dropped. */
  maxBufferedEvents?: number;
}

/**
 * Subscriptions through the gateway: the primary fetch of the plan becomes a graphql-ws
 * subscription to the subgraph owning the root field, and for each event the gateway
 * executes a plan whose first step is that fetch answered by the event, followed by the
 * rest (entity fetches to other subgraphs) — merged and shaped by @apollo/gateway's
 * executor like any query. Upstream sockets are shared by all clients (one per subgraph,
 * identity signed per operation); entity fetches are memoised per identity for
 * `entityTtlMs`; events that need no other subgraph skip the executor and are only shaped.
 */
export class FederatedSubscriptions {
  private planner: SubscriptionPlanner | undefined;
  private readonly heartbeat: Heartbeat;
  private readonly pool: UpstreamConnections;
  readonly open: Gauge;
  readonly events: Counter;

  constructor(private readonly options: FederatedSubscriptionsOptions) {
    this.heartbeat = new Heartbeat(options.upstreamKeepAliveMs);
    this.memo = new EntityMemo(options.entityTtlMs, undefined, MEMO_ENTRIES);
    this.pool = new UpstreamConnections({
      urlOf: options.urlOf,
      secret: options.secret,
      heartbeat: this.heartbeat,
      registry: options.registry,
      idleCloseMs: options.upstreamIdleCloseMs,
    });
    this.open = new Gauge({
      name: 'gateway_subscriptions_open',
      help: 'Subscriptions open through the gateway',
      registers: [options.registry],
    });
    this.events = new Counter({
      name: 'gateway_subscription_events_total',
      help: 'Subscription events delivered to clients',
      registers: [options.registry],
    });
  }

  /** A new supergraph: new plans for new subscriptions; open ones keep theirs. */
  use(planner: SubscriptionPlanner): void {
    this.planner = planner;
  }

  currentPlanner(): SubscriptionPlanner | undefined {
    return this.planner;
  }

  /** One client subscription, whatever transport carries it. */
  start(
    prepared: PreparedSubscription,
    planner: SubscriptionPlanner,
    variables: Record<string, unknown>,
    context: GatewayContext,
  ): AsyncIterableIterator<Result> {
    return new FederatedSubscription(this, prepared, planner, variables, context);
  }

  get upstream(): UpstreamConnections {
    return this.pool;
  }

  /** Entity fetches of subscription events, shared per identity for `entityTtlMs`. */
  private readonly memo: EntityMemo;

  signedIdentity(context: GatewayContext): string | undefined {
    return context.identity ? this.options.signer.sign(context.identity) : undefined;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  /**
   * The gateway's data sources, answering through the entity memo under the caller's identity:
   * subscriptions of the same identity (a user's several tabs, or every subscriber of a reply,
   * which only its owner may follow) share fetches; different identities never do.
   */
  serviceMapFor(identity: GatewayContext['identity']): ServiceMap {
    const scope = identity ? `${identity.userId}:${identity.sessionId}:${identity.role}` : 'anonymous';
    const map: ServiceMap = Object.create(null);
    for (const [name, source] of this.options.dataSources) map[name] = this.memo.wrap(`${scope}\n${name}`, source);
    return map;
  }

  get maxBufferedEvents(): number {
    return this.options.maxBufferedEvents ?? 1000;
  }

  stop(): void {
    this.pool.dispose();
    this.heartbeat.stop();
  }
}

/** The primary fetch re-pointed at the event source, followed by the rest of the plan. */
const eventPlans = new WeakMap<PreparedSubscription, QueryPlan>();
function eventPlan(prepared: PreparedSubscription): QueryPlan {
  let plan = eventPlans.get(prepared);
  if (!plan) {
    const fetch: FetchNode = { ...prepared.primary, serviceName: EVENT_SOURCE };
    plan = { kind: 'QueryPlan', node: prepared.rest ? { kind: 'Sequence', nodes: [fetch, prepared.rest] } : fetch };
    eventPlans.set(prepared, plan);
  }
  return plan;
}

/** The client's operation as the executor's result shaping reads it (what executeQueryPlan builds per call). */
const shapingOperations = new WeakMap<PreparedSubscription, Operation>();
function shapingOperation(prepared: PreparedSubscription, apiSchema: SubscriptionPlanner['apiSchema']): Operation {
  let operation = shapingOperations.get(prepared);
  if (!operation) {
    const { operationContext } = prepared;
    operation = operationFromDocument(
      apiSchema,
      { kind: Kind.DOCUMENT, definitions: [operationContext.operation, ...Object.values(operationContext.fragments)] },
      { validate: false },
    );
    shapingOperations.set(prepared, operation);
  }
  return operation;
}

/** True when an event can be shaped without running the plan: nothing else to fetch, nothing to rewrite. */
function shapeOnly(prepared: PreparedSubscription, event: UpstreamEvent): boolean {
  const { primary } = prepared;
  return !prepared.rest && !event.errors?.length && !primary.outputRewrites?.length && !primary.inputRewrites?.length;
}

const END = Symbol('end');
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One client subscription. Events are executed as they arrive (so entity fetches of
 * consecutive events overlap) and delivered in arrival order. Hand-written rather than
 * an async generator: return() must close the upstream at once, even while next() waits.
 */
class FederatedSubscription implements AsyncIterableIterator<Result> {
  private readonly queue: (Promise<Result> | typeof END)[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly release: () => void;
  private readonly started = performance.now();
  private delivered = 0;
  /** Data sources through this subscription's entity memo; made on the first event that needs them. */
  private services: ServiceMap | undefined;

  constructor(
    private readonly owner: FederatedSubscriptions,
    private readonly prepared: PreparedSubscription,
    private readonly planner: SubscriptionPlanner,
    private readonly variables: Record<string, unknown>,
    private readonly context: GatewayContext,
  ) {
    const { primary } = prepared;
    const upstreamVariables: Record<string, unknown> = {};
    for (const name of primary.variableUsages ?? []) {
      if (variables[name] !== undefined) upstreamVariables[name] = variables[name];
    }
    owner.open.inc();
    owner.logger.info(
      { requestId: context.requestId, operation: prepared.operationName ?? null, service: primary.serviceName },
      'subscription started',
    );
    this.release = owner.upstream.subscribe(
      primary.serviceName,
      {
        query: primary.operation,
        operationName: primary.operationName,
        variables: upstreamVariables,
        identityToken: owner.signedIdentity(context),
      },
      context.requestId,
      {
        next: (event) => this.push(this.execute(event)),
        error: (reason) => {
          this.push(Promise.resolve(this.failure(reason)));
          this.push(END);
        },
        complete: () => this.push(END),
      },
    );
  }

  private push(item: Promise<Result> | typeof END): void {
    if (this.closed) return;
    if (this.queue.length >= this.owner.maxBufferedEvents) {
      // A client that does not read must not grow the gateway's memory without bound.
      this.owner.logger.warn({ requestId: this.context.requestId }, 'subscription dropped: client too slow');
      this.queue.length = 0;
      this.queue.push(Promise.resolve(this.gatewayError('Subscription dropped: the client is not keeping up')), END);
      this.release();
    } else {
      this.queue.push(item);
    }
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async next(): Promise<IteratorResult<Result>> {
    for (;;) {
      if (this.closed) return DONE;
      const head = this.queue.shift();
      if (head === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      if (head === END) {
        this.close('completed');
        return DONE;
      }
      const value = await head;
      // The client may have left while this event was being executed.
      if (this.closed) return DONE;
      this.delivered += 1;
      this.owner.events.inc();
      return { done: false, value };
    }
  }

  async return(): Promise<IteratorResult<Result>> {
    this.close('client left');
    return DONE;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Result> {
    return this;
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    this.queue.length = 0;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    this.owner.open.dec();
    this.owner.logger.info(
      {
        requestId: this.context.requestId,
        reason,
        events: this.delivered,
        durationMs: Math.round(performance.now() - this.started),
      },
      'subscription ended',
    );
  }

  /** Runs the rest of the plan for one event. Never rejects: failures become masked errors. */
  private async execute(event: UpstreamEvent): Promise<Result> {
    const service = this.prepared.primary.serviceName;
    if (event.data === null || event.data === undefined) {
      // The subgraph refused or failed the whole event (e.g. its subscribe resolver threw).
      const errors = (event.errors ?? [{ message: 'Subscription event without data' }]) as GraphQLFormattedError[];
      return { errors: errors.map((error) => this.mask(error, service)) };
    }
    if (shapeOnly(this.prepared, event)) return this.shape(event);
    try {
      this.services ??= this.owner.serviceMapFor(this.context.identity);
      const services: ServiceMap = Object.create(this.services);
      services[EVENT_SOURCE] = { process: async () => event as never };
      const result = await executeQueryPlan(
        eventPlan(this.prepared),
        services,
        this.requestContext(),
        this.prepared.operationContext,
        this.planner.supergraphSchema,
        this.planner.apiSchema,
      );
      const errors = result.errors?.map((error) =>
        this.mask(error instanceof GraphQLError ? error.toJSON() : { message: String(error) }, service, error),
      );
      return { data: (result.data ?? null) as Record<string, unknown> | null, ...(errors ? { errors } : {}) };
    } catch (error) {
      return { errors: [this.mask({ message: 'subscription event execution failed' }, service, error)] };
    }
  }

  /** What executeQueryPlan would return for a plan that is only the primary fetch, without running it. */
  private shape(event: UpstreamEvent): Result {
    try {
      const { data } = computeResponse({
        operation: shapingOperation(this.prepared, this.planner.apiSchema),
        variables: this.variables,
        input: event.data as Record<string, unknown>,
        // A subscription's root selection cannot be introspection; nothing below reaches here.
        introspectionHandling: () => null,
      });
      return { data: (data ?? null) as Record<string, unknown> | null };
    } catch (error) {
      const service = this.prepared.primary.serviceName;
      return { errors: [this.mask({ message: 'subscription event execution failed' }, service, error)] };
    }
  }

  private requestContext(): RequestContext {
    const { prepared } = this;
    // executeQueryPlan reads the request's variables, the context handed to data sources
    // (identity, request id) and appends to `metrics`, so each event gets its own.
    return {
      request: { variables: this.variables, operationName: prepared.operationName },
      context: this.context,
      logger: this.owner.logger,
      metrics: {},
      document: prepared.document,
      operation: prepared.operation,
      operationName: prepared.operationName ?? null,
      schema: this.planner.schema,
    } as unknown as RequestContext;
  }

  private failure(reason: unknown): Result {
    const service = this.prepared.primary.serviceName;
    if (Array.isArray(reason)) {
      // The subgraph ended the stream with an `error` message (its source stream threw).
      return { errors: (reason as GraphQLFormattedError[]).map((error) => this.mask(error, service)) };
    }
    const close = reason as { code?: unknown; reason?: unknown; message?: unknown };
    this.owner.logger.warn(
      {
        requestId: this.context.requestId,
        service,
        closeCode: close?.code,
        reason: close?.reason || close?.message || String(reason),
      },
      'subscription upstream lost',
    );
    return this.gatewayError('Subscription interrupted: a service behind it is unavailable');
  }

  /** Errors the gateway itself raises: INTERNAL_SERVER_ERROR (clients may resubscribe), with the request id. */
  private gatewayError(message: string): Result {
    return {
      errors: [{ message, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId: this.context.requestId } }],
    };
  }

  /** Same masking as every other response; internal ones are logged with their cause. */
  private mask(error: GraphQLFormattedError, service: string, cause?: unknown): GraphQLFormattedError {
    // Locations from a subgraph point into the gateway's subgraph operation, not the client's document.
    const { locations: _locations, ...rest } = error;
    const serviceName = rest.extensions?.serviceName;
    const named =
      serviceName === EVENT_SOURCE || serviceName === undefined
        ? { ...rest, extensions: { ...rest.extensions, serviceName: service } }
        : rest;
    const masked = maskError(named, this.context.requestId);
    if (isMaskedInternal(masked)) {
      this.owner.logger.error(
        { requestId: this.context.requestId, service, err: cause ?? error, path: error.path },
        'internal error in subscription',
      );
    }
    return masked;
  }
}
