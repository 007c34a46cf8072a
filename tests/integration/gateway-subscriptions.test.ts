import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GraphClient, GraphError, createWsClient, subscribe, type GraphResponse } from '../../clients/sdk.js';
import { signIdentity } from '../../platform/auth/signed-identity.js';
import { profiles } from '../support/profiles.js';
import { bearer, gql, register, type Account } from '../support/http.js';
import { startSubscriptionStack, type SubscriptionStack } from '../support/ticker-subgraph.js';
import { signedIdentityOf } from '../support/ws.js';

interface TickData {
  n: number;
  viewer: { id: string; displayName: string } | null;
}

const TICKS = `subscription Ticks($count: Int!, $interval: Int!) {
  ticks(count: $count, intervalMs: $interval) { n viewer { id displayName } }
}`;
const FOREVER = 'subscription Forever($interval: Int!) { forever(intervalMs: $interval) { n } }';
const CLOCK_FOREVER = 'subscription { clock_forever(intervalMs: 20) { n viewer { displayName } } }';

/** The next result, failing the test instead of hanging when none comes. */
async function nextResult<T>(
  iterator: AsyncIterator<GraphResponse<T>>,
  timeoutMs = 3000,
): Promise<IteratorResult<GraphResponse<T>>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function drain<T>(iterator: AsyncIterator<GraphResponse<T>>): Promise<GraphResponse<T>[]> {
  const results: GraphResponse<T>[] = [];
  for (;;) {
    const result = await nextResult(iterator);
    if (result.done) return results;
    results.push(result.value);
  }
}

const aliases = (count: number) => Array.from({ length: count }, (_, i) => `a${i}: n`).join(' ');

/** Sum of a metric's samples (all label sets) on a service's /metrics. */
async function metric(url: string, name: string): Promise<number> {
  const response = await fetch(new URL('/metrics', url));
  return (await response.text())
    .split('\n')
    .filter((row) => row.startsWith(`${name} `) || row.startsWith(`${name}{`))
    .reduce((sum, row) => sum + Number(row.split(' ').pop()), 0);
}

const openSubscriptions = (stack: SubscriptionStack) => metric(stack.gateway.url, 'gateway_subscriptions_open');
/** Upstream graphql-ws sockets as the gateway counts them, and as the ticker subgraph does. */
const upstreamSockets = (stack: SubscriptionStack) => metric(stack.gateway.url, 'gateway_upstream_connections');
const tickerSockets = (stack: SubscriptionStack) =>
  metric(stack.tickers.ticker!.service.url, 'graphql_ws_connections_open');

type DirectResult = { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };

/** One subscription straight to a subgraph over graphql-ws: its results, or the errors it was refused with. */
async function direct(
  url: string,
  connectionParams: Record<string, unknown>,
  query: string,
  extensions?: Record<string, unknown>,
): Promise<{ results: DirectResult[]; refused?: DirectResult['errors'] }> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
  });
  const results: DirectResult[] = [];
  try {
    const refused = await new Promise<DirectResult['errors'] | undefined>((resolve, reject) => {
      client.subscribe(
        { query, extensions },
        {
          next: (result) => results.push(result as DirectResult),
          error: (error) => (Array.isArray(error) ? resolve(error as DirectResult['errors']) : reject(error)),
          complete: () => resolve(undefined),
        },
      );
    });
    return { results, refused };
  } finally {
    await client.dispose();
  }
}

async function until(predicate: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(profiles())('federated subscriptions through the gateway ($name profile)', (profile) => {
  let stack: SubscriptionStack;
  let alice: Account;
  let bob: Account;
  let client: GraphClient;

  beforeAll(async () => {
    stack = await startSubscriptionStack(profile, {
      gateway: { keepAliveMs: 300 },
      // Cost: low enough for a subscription to exceed it, high enough for register and the queries here.
      // Upstream sockets close 300 ms after their last subscription; entity results live 1 s.
      env: { MAX_QUERY_COST: '30', UPSTREAM_WS_IDLE_CLOSE_MS: '300', SUBSCRIPTION_ENTITY_TTL_MS: '1000' },
    });
    alice = await register(stack.gateway.url, { displayName: 'Alice' });
    bob = await register(stack.gateway.url, { displayName: 'Bob' });
    client = new GraphClient({ url: stack.gateway.url, token: alice.accessToken });
    // Three embedded databases (users and two tickers) take a while to initialise.
  }, 120_000);
  afterAll(() => stack?.destroy());

  test('ticks arrive in order, each with viewer.displayName resolved by the users subgraph', async () => {
    const results = await drain(
      client.subscribe<{ ticks: TickData }>(TICKS, { count: 5, interval: 10 })[Symbol.asyncIterator](),
    );
    expect(results).toEqual(
      [1, 2, 3, 4, 5].map((n) => ({ data: { ticks: { n, viewer: { id: alice.id, displayName: 'Alice' } } } })),
    );
    // The subgraph saw the caller's verified identity, forwarded in connection_init.
    expect(stack.tickers.ticker!.probe.identities.at(-1)).toMatchObject({ userId: alice.id, role: 'USER' });
    await stack.tickers.ticker!.probe.until((probe) => probe.active === 0);
  });

  test('aliases, fragments and @skip are planned and shaped like any query', async () => {
    const query = `subscription($skip: Boolean!) {
      t: ticks(count: 2, intervalMs: 5) { ...T who: viewer @skip(if: $skip) { displayName } }
    } fragment T on Tick { n }`;
    expect(await drain(client.subscribe(query, { skip: false })[Symbol.asyncIterator]())).toEqual([
      { data: { t: { n: 1, who: { displayName: 'Alice' } } } },
      { data: { t: { n: 2, who: { displayName: 'Alice' } } } },
    ]);
    expect(await drain(client.subscribe(query, { skip: true })[Symbol.asyncIterator]())).toEqual([
      { data: { t: { n: 1 } } },
      { data: { t: { n: 2 } } },
    ]);
  });

  test("a subgraph's refusal reaches the client with its code, then complete", async () => {
    const results = await drain(client.subscribe('subscription { forbidden { n } }')[Symbol.asyncIterator]());
    expect(results).toHaveLength(1);
    expect(results[0]!.data).toBeUndefined();
    expect(results[0]!.errors).toEqual([
      expect.objectContaining({
        message: 'Not your ticks',
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
  });

  test('an error mid-stream arrives after the events before it, then complete', async () => {
    const results = await drain(
      client.subscribe('subscription { failing(after: 2, intervalMs: 5) { n } }')[Symbol.asyncIterator](),
    );
    expect(results.slice(0, 2)).toEqual([{ data: { failing: { n: 1 } } }, { data: { failing: { n: 2 } } }]);
    expect(results).toHaveLength(3);
    expect(results[2]!.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(results[2])).not.toMatch(/stack|at .*\.js/);
  });

  test('no token: the socket connects, fields that need a user refuse, others work anonymously', async () => {
    const anonymous = client.withToken(undefined);
    const refused = await drain(anonymous.subscribe(TICKS, { count: 1, interval: 5 })[Symbol.asyncIterator]());
    expect(refused.map((result) => result.errors?.[0]?.extensions?.code)).toEqual(['UNAUTHENTICATED']);

    const open = anonymous.subscribe<{ forever: { n: number } }>(FOREVER, { interval: 5 })[Symbol.asyncIterator]();
    expect((await nextResult(open)).value).toEqual({ data: { forever: { n: 1 } } });
    await open.return!();
    expect(stack.tickers.ticker!.probe.identities.at(-1)).toBeNull();
  });

  test('a bad token closes the socket with 4403', async () => {
    for (const token of ['not-a-jwt', `${alice.accessToken}x`]) {
      const iterator = client.withToken(token).subscribe(FOREVER, { interval: 5 })[Symbol.asyncIterator]();
      const failure = await nextResult(iterator).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(GraphError);
      expect((failure as GraphError).closeCode).toBe(4403);
    }
  });

  test('invalid documents, variables and costs are refused before anything reaches a subgraph', async () => {
    const opened = stack.tickers.ticker!.probe.opened;
    const cases: [string, Record<string, unknown>, string][] = [
      ['subscription { ticks(count: 1, intervalMs: 1) { nope } }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      [
        'subscription { ticks(count: 1, intervalMs: 1) { n } forever(intervalMs: 1) { n } }',
        {},
        'GRAPHQL_VALIDATION_FAILED',
      ],
      ['subscription {', {}, 'GRAPHQL_PARSE_FAILED'],
      [
        'subscription($x: Boolean!) { ticks(count: 1, intervalMs: 1) @include(if: $x) { n } }',
        { x: true },
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [TICKS, { count: 'many', interval: 1 }, 'BAD_USER_INPUT'],
      [`subscription { ticks(count: 1, intervalMs: 1) { ${aliases(31)} } }`, {}, 'QUERY_TOO_COMPLEX'],
      [
        `subscription { ticks(count: 1, intervalMs: 1) { ${aliases(25)} viewer { id email displayName role status plan createdAt } } }`,
        {},
        'QUERY_TOO_COMPLEX',
      ],
    ];
    for (const [query, variables, code] of cases) {
      const failure = await nextResult(client.subscribe(query, variables)[Symbol.asyncIterator]()).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(GraphError);
      expect((failure as GraphError).code).toBe(code);
    }
    expect(stack.tickers.ticker!.probe.opened).toBe(opened);
  });

  test('queries over the same socket keep working, errors included', async () => {
    const ws = createWsClient({ url: stack.gateway.url, token: alice.accessToken });
    try {
      const me = await nextResult(subscribe({ client: ws }, '{ me { id displayName } }')[Symbol.asyncIterator]());
      expect(me.value).toEqual({ data: { me: { id: alice.id, displayName: 'Alice' } } });
      const refused = await nextResult(
        subscribe(
          { client: ws },
          'mutation { login(input: { email: "nobody@example.test", password: "wrong-password-1" }) { accessToken } }',
        )[Symbol.asyncIterator](),
      );
      expect(refused.value?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const again = await nextResult(subscribe({ client: ws }, '{ me { id } }')[Symbol.asyncIterator]());
      expect(again.value).toEqual({ data: { me: { id: alice.id } } });
    } finally {
      await ws.dispose();
    }
  });

  test('two clients each get their own stream', async () => {
    const asBob = client.withToken(bob.accessToken);
    const [mine, theirs] = await Promise.all([
      drain(client.subscribe<{ ticks: TickData }>(TICKS, { count: 4, interval: 7 })[Symbol.asyncIterator]()),
      drain(asBob.subscribe<{ ticks: TickData }>(TICKS, { count: 3, interval: 5 })[Symbol.asyncIterator]()),
    ]);
    expect(mine.map((result) => result.data)).toEqual(
      [1, 2, 3, 4].map((n) => ({ ticks: { n, viewer: { id: alice.id, displayName: 'Alice' } } })),
    );
    expect(theirs.map((result) => result.data)).toEqual(
      [1, 2, 3].map((n) => ({ ticks: { n, viewer: { id: bob.id, displayName: 'Bob' } } })),
    );
  });

  test('one client, several subscriptions on one socket: each stream is its own', async () => {
    const ws = createWsClient({ url: stack.gateway.url, token: alice.accessToken });
    try {
      const [a, b] = await Promise.all([
        drain(subscribe({ client: ws }, TICKS, { count: 3, interval: 5 })[Symbol.asyncIterator]()),
        drain(
          subscribe({ client: ws }, 'subscription { clock_ticks(count: 2, intervalMs: 5) { n } }')[
            Symbol.asyncIterator
          ](),
        ),
      ]);
      expect(a.map((result) => (result.data as { ticks: TickData }).ticks.n)).toEqual([1, 2, 3]);
      expect(b).toEqual([{ data: { clock_ticks: { n: 1 } } }, { data: { clock_ticks: { n: 2 } } }]);
    } finally {
      await ws.dispose();
    }
  });

  test('when the client completes, the upstream subscription is closed', async () => {
    const probe = stack.tickers.ticker!.probe;
    await probe.until((p) => p.active === 0);
    const returned = probe.returned;
    const iterator = client.subscribe(FOREVER, { interval: 60_000 })[Symbol.asyncIterator]();
    const pending = iterator.next();
    await probe.until((p) => p.active === 1);
    expect(await openSubscriptions(stack)).toBe(1);
    await iterator.return!();
    await pending;
    await probe.until((p) => p.active === 0 && p.returned === returned + 1);
    await until(async () => (await openSubscriptions(stack)) === 0);
  });

  test('when the client vanishes (socket dropped, or no pong), the upstream subscription is closed', async () => {
    const probe = stack.tickers.ticker!.probe;
    for (const mode of ['terminate', 'silent'] as const) {
      const returned = probe.returned;
      // autoPong off: a client that stops answering pings, as a frozen or unplugged one would.
      const socket = new WebSocket(stack.gateway.url.replace('http', 'ws'), 'graphql-transport-ws', {
        autoPong: mode !== 'silent',
      });
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(alice.accessToken) }));
      await new Promise((resolve) => socket.once('message', resolve));
      socket.send(
        JSON.stringify({ id: '1', type: 'subscribe', payload: { query: FOREVER, variables: { interval: 60_000 } } }),
      );
      await probe.until((p) => p.active === 1);
      const closed = new Promise((resolve) => socket.once('close', resolve));
      if (mode === 'terminate') socket.terminate();
      await closed; // silent: the gateway terminates it after a missed ping (keepAliveMs 300 here)
      await probe.until((p) => p.active === 0 && p.returned === returned + 1);
    }
  });

  test('a subgraph that goes silent (no close, no pong) is detected by the ping: error and complete', async () => {
    const iterator = client.subscribe(CLOCK_FOREVER)[Symbol.asyncIterator]();
    expect((await nextResult(iterator)).value?.data).toBeDefined();
    const rest = drain(iterator);
    const frozenAt = Date.now();
    stack.clockProxy.freeze();
    const results = await rest;
    // Upstream pings every 300 ms here; two unanswered pings in a row end it, within four intervals.
    expect(Date.now() - frozenAt).toBeLessThan(1500);
    expect(results.at(-1)!.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    // The subgraph's side is closed too, so its stream ends rather than leaking.
    await stack.tickers.clock!.probe.until((probe) => probe.active === 0);
  });

  test('a subgraph that stops mid-stream: error and complete within a second; everyone else carries on', async () => {
    const bystander = client.subscribe<{ forever: { n: number } }>(FOREVER, { interval: 10 })[Symbol.asyncIterator]();
    expect((await nextResult(bystander)).value?.data?.forever.n).toBe(1);
    const doomed = client.subscribe(CLOCK_FOREVER)[Symbol.asyncIterator]();
    expect((await nextResult(doomed)).value).toEqual({
      data: { clock_forever: { n: 1, viewer: { displayName: 'Alice' } } },
    });

    // Read ahead so the failure is seen as soon as it arrives.
    const rest = drain(doomed);
    const stoppedAt = Date.now();
    await stack.stopTicker('clock');
    const results = await rest;
    const elapsed = Date.now() - stoppedAt;
    expect(elapsed).toBeLessThan(1000);
    const last = results.at(-1)!;
    expect(last.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR' }) }),
    ]);
    expect(results.slice(0, -1).every((result) => result.data && !result.errors)).toBe(true);

    // The other subgraph's stream, queries, and new subscriptions are unaffected.
    const before = (await nextResult(bystander)).value!.data!.forever.n;
    expect((await nextResult(bystander)).value!.data!.forever.n).toBe(before + 1);
    await bystander.return!();
    const me = await gql<{ me: { displayName: string } }>(
      stack.gateway.url,
      '{ me { displayName } }',
      {},
      bearer(bob.accessToken),
    );
    expect(me.body).toEqual({ data: { me: { displayName: 'Bob' } } });
    const fresh = await drain(client.subscribe(TICKS, { count: 2, interval: 5 })[Symbol.asyncIterator]());
    expect(fresh).toHaveLength(2);

    // Subscribing to the dead subgraph fails fast the same way instead of hanging.
    const dead = await drain(client.subscribe(CLOCK_FOREVER)[Symbol.asyncIterator]());
    expect(dead.map((result) => result.errors?.[0]?.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    await until(async () => (await openSubscriptions(stack)) === 0);
  });
  test('clients of different users share one upstream socket per subgraph; each operation has its own identity', async () => {
    await until(async () => (await upstreamSockets(stack)) === 0 && (await tickerSockets(stack)) === 0, 5000);
    const carol = await register(stack.gateway.url, { displayName: 'Carol' });
    const accounts = [alice, bob, carol, alice, bob, carol];
    const query = 'subscription($i: Int!) { forever(intervalMs: $i) { n viewer { id } } }';
    const streams = accounts.map((account) =>
      client
        .withToken(account.accessToken)
        .subscribe<{ forever: { n: number; viewer: { id: string } } }>(query, {
          i: 30,
        })
        [Symbol.asyncIterator](),
    );
    try {
      const first = await Promise.all(streams.map((stream) => nextResult(stream)));
      expect(first.map((result) => result.value?.data?.forever.viewer.id)).toEqual(accounts.map((a) => a.id));
      // Six client sockets, one upstream socket, seen from both ends.
      expect(await upstreamSockets(stack)).toBe(1);
      expect(await tickerSockets(stack)).toBe(1);
      const seen = stack.tickers.ticker!.probe.identities.slice(-6).map((identity) => identity?.userId);
      expect(seen.sort()).toEqual(accounts.map((a) => a.id).sort());

      // Two clients leaving does not disturb the others on the same upstream socket.
      await streams[1]!.return!();
      await streams[2]!.return!();
      for (const stream of [streams[0]!, streams[3]!, streams[5]!]) {
        const before = (await nextResult(stream)).value!.data!.forever.n;
        expect((await nextResult(stream)).value!.data!.forever.n).toBe(before + 1);
      }
      expect(await tickerSockets(stack)).toBe(1);
    } finally {
      await Promise.all(streams.map((stream) => stream.return!()));
    }
    // Idle: the shared socket closes (300 ms after its last subscription here), on both ends.
    await until(async () => (await upstreamSockets(stack)) === 0 && (await tickerSockets(stack)) === 0, 5000);
    await stack.tickers.ticker!.probe.until((probe) => probe.active === 0);
  });

  test('a subgraph verifies the signed identity per operation: forged, expired or unsigned identities are refused', async () => {
    const url = stack.tickers.ticker!.service.url;
    const secret = { 'x-gateway-secret': stack.config.gatewaySecret };
    const query = 'subscription { ticks(count: 1, intervalMs: 1) { n viewer { id } } }';
    const identity = { userId: alice.id, role: 'ADMIN' as const, sessionId: 'forged-session' };

    const signed = await direct(url, secret, query, { nexusIdentity: signedIdentityOf(stack, alice.accessToken) });
    expect(signed.results).toEqual([{ data: { ticks: { n: 1, viewer: { id: alice.id } } } }]);

    for (const token of [
      signIdentity(identity, 'not-the-gateway-secret-but-long-enough', 60),
      signIdentity(identity, stack.config.gatewaySecret, -1),
      `${signedIdentityOf(stack, alice.accessToken).slice(0, -2)}xx`,
      'garbage',
    ]) {
      const refused = await direct(url, secret, query, { nexusIdentity: token });
      expect(refused.refused?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
    // Plain identity headers, the pre-signing way, are ignored: the operation runs anonymously.
    const unsigned = await direct(
      url,
      { ...secret, 'x-user-id': alice.id, 'x-user-role': 'ADMIN', 'x-session-id': 's' },
      query,
      { 'x-user-id': alice.id },
    );
    expect(unsigned.results.map((result) => result.errors?.[0]?.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(stack.tickers.ticker!.probe.identities.at(-1)).toBeNull();
    // Without the secret the socket itself is refused, signed identity or not.
    await expect(
      direct(url, { 'x-nexus-identity': signedIdentityOf(stack, alice.accessToken) }, query),
    ).rejects.toMatchObject({ code: 4403 });
  });

  test('events whose selection stays in the owning subgraph are shaped exactly as the planned path shapes them', async () => {
    const selection = `__typename ...T again: n ... on Tick { viewer { __typename id } }
      hidden: n @skip(if: $yes) shown: n @include(if: $yes) gone: viewer @include(if: $no) { id }`;
    const only = `subscription($yes: Boolean!, $no: Boolean!) { t: ticks(count: 2, intervalMs: 5) { ${selection} } }
      fragment T on Tick { n }`;
    // The same selection plus a users field: this one runs the plan (an entity fetch per event).
    const planned = `subscription($yes: Boolean!, $no: Boolean!) { t: ticks(count: 2, intervalMs: 5) { ${selection}
      p: viewer { displayName } } } fragment T on Tick { n }`;
    const variables = { yes: true, no: false };
    const shaped = await drain(
      client.subscribe<{ t: Record<string, unknown> }>(only, variables)[Symbol.asyncIterator](),
    );
    const executed = await drain(
      client.subscribe<{ t: Record<string, unknown> }>(planned, variables)[Symbol.asyncIterator](),
    );
    expect(shaped).toEqual(
      [1, 2].map((n) => ({
        data: { t: { __typename: 'Tick', n, again: n, viewer: { __typename: 'User', id: alice.id }, shown: n } },
      })),
    );
    const withoutUsersField = executed.map(({ data }) => {
      const { p, ...rest } = data!.t;
      expect(p).toEqual({ displayName: 'Alice' });
      return { data: { t: rest } };
    });
    // Same values, same key order.
    expect(JSON.stringify(shaped)).toBe(JSON.stringify(withoutUsersField));
  });

  test('entity fields are memoised, and a change shows up once the memo expires', async () => {
    const dana = await register(stack.gateway.url, { displayName: 'Dana' });
    const asDana = client.withToken(dana.accessToken);
    const usersRequests = () => metric(stack.users.url, 'graphql_requests_total');
    const stream = asDana
      .subscribe<{ forever: { n: number; viewer: { displayName: string } } }>(
        'subscription { forever(intervalMs: 20) { n viewer { displayName } } }',
      )
      [Symbol.asyncIterator]();
    try {
      expect((await nextResult(stream)).value?.data?.forever.viewer.displayName).toBe('Dana');
      const before = await usersRequests();
      for (let i = 0; i < 40; i += 1) {
        expect((await nextResult(stream)).value?.data?.forever.viewer.displayName).toBe('Dana');
      }
      // 40 events in at least 800 ms; with a 1 s memo that is a few users fetches, not 40.
      expect((await usersRequests()) - before).toBeLessThan(20);

      const renamed = await gql(
        stack.gateway.url,
        'mutation { updateProfile(input: { displayName: "Dana Renamed" }) { displayName } }',
        {},
        bearer(dana.accessToken),
      );
      expect(renamed.body.errors).toBeUndefined();
      const deadline = Date.now() + 15_000;
      let name = 'Dana';
      while (name !== 'Dana Renamed') {
        if (Date.now() > deadline) throw new Error('the new display name never showed up');
        name = (await nextResult(stream)).value!.data!.forever.viewer.displayName;
        expect(['Dana', 'Dana Renamed']).toContain(name);
      }
    } finally {
      await stream.return!();
    }
  });

  test('subscriptions of one identity share entity fetches; another identity never sees them', async () => {
    const erin = await register(stack.gateway.url, { displayName: 'Erin' });
    const frank = await register(stack.gateway.url, { displayName: 'Frank' });
    const query = 'subscription { forever(intervalMs: 20) { n viewer { displayName } } }';
    type Forever = { forever: { n: number; viewer: { displayName: string } } };
    const streams = [
      ...Array.from({ length: 10 }, () => ({ who: 'Erin', token: erin.accessToken })),
      { who: 'Frank', token: frank.accessToken },
    ].map(({ who, token }) => ({
      who,
      stream: client.withToken(token).subscribe<Forever>(query)[Symbol.asyncIterator](),
    }));
    try {
      for (const { who, stream } of streams) {
        expect((await nextResult(stream)).value?.data?.forever.viewer.displayName).toBe(who);
      }
      const before = await metric(stack.users.url, 'graphql_requests_total');
      const started = performance.now();
      for (let round = 0; round < 20; round += 1) {
        for (const { who, stream } of streams) {
          expect((await nextResult(stream)).value?.data?.forever.viewer.displayName).toBe(who);
        }
      }
      const fetches = (await metric(stack.users.url, 'graphql_requests_total')) - before;
      // Shared per identity: about one fetch per identity per second (1 s memo). Memoised per
      // subscription, eleven subscriptions would cost eleven per second.
      const seconds = Math.ceil((performance.now() - started) / 1000);
      expect(fetches).toBeLessThanOrEqual(2 * (seconds + 2));
    } finally {
      await Promise.all(streams.map(({ stream }) => stream.return!()));
    }
  });
});
