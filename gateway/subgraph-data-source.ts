import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { IdentityHeader } from '../platform/auth/identity.js';
import type { IdentitySigner } from '../platform/auth/signed-identity.js';
import { copyResponse } from './entity-memo.js';
import type { GatewayContext } from './gateway-context.js';
import { isReadOperation, RequestMerger } from './request-merging.js';

type Response = Awaited<ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']>>;

export interface SubgraphDataSourceOptions {
  url: string;
  secret: string;
  signer: IdentitySigner;
  fetcher: RemoteGraphQLDataSource['fetcher'];
  /** Counts requests answered by another caller's identical in-flight one. */
  onMerged?: () => void;
}

/**
 * Calls a subgraph with the gateway's secret, the caller's identity signed for this
 * request, and the request id. Identical reads in flight for the same identity are
 * merged into one call (two tabs loading the same page, a burst of subscription chunks).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly secret: string;
  private readonly signer: IdentitySigner;
  private readonly merger: RequestMerger<Response>;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url, fetcher: options.fetcher });
    this.secret = options.secret;
    this.signer = options.signer;
    this.merger = new RequestMerger(copyResponse, options.onMerged);
  }

  override process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<Response> {
    const { request } = options;
    // The enum is not exported by @apollo/gateway; its value is.
    if ((options.kind as string) !== 'incoming operation' || !isReadOperation(request.query ?? '')) {
      return super.process(options);
    }
    const identity = options.context?.identity;
    const who = identity ? `${identity.userId}\n${identity.sessionId}\n${identity.role}` : '';
    const key = `${who}\n${request.operationName ?? ''}\n${request.query}\n${JSON.stringify(request.variables ?? {})}`;
    return this.merger.run(key, () => super.process(options));
  }

  override willSendRequest({
    request,
    context,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]) {
    const headers = request.http!.headers;
    headers.set(IdentityHeader.secret, this.secret);
    if (context?.requestId) headers.set(IdentityHeader.requestId, context.requestId);
    if (context?.identity) headers.set(IdentityHeader.identity, this.signer.sign(context.identity));
  }
}
