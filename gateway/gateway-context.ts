import type { Identity } from '../platform/auth/identity.js';

export interface GatewayContext {
  requestId: string;
  identity: Identity | null;
  clientAddress: string;
}
