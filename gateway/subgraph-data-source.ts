import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import nodeFetch from 'node-fetch';
import { IdentityHeader, identityToHeaders } from '../platform/auth/identity.js';
import type { GatewayContext } from './gateway-context.js';

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 });
const keepAlive = (url: URL) => (url.protocol === 'https:' ? httpsAgent : httpAgent);

/** Calls a subgraph with the gateway's secret, the caller's verified identity and the request id. */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly secret: string,
  ) {
    // node-fetch on keep-alive agents: measured in bench/ at about 40% less gateway CPU per
    // subgraph call than the global fetch (which also builds a second Request per call).
    super({
      url,
      fetcher: ((input: string, init: object) => nodeFetch(input, { ...init, agent: keepAlive })) as never,
    });
  }

  override willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]) {
    const headers = request.http!.headers;
    headers.set(IdentityHeader.secret, this.secret);
    if (context?.requestId) headers.set(IdentityHeader.requestId, context.requestId);
    for (const [name, value] of Object.entries(identityToHeaders(context?.identity ?? null))) headers.set(name, value);
  }
}
