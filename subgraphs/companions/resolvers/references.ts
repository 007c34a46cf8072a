import type { CompanionsContext } from '../services/index.js';

/**
 * Entities referenced from other subgraphs, each batched: N references cost a bounded number
 * of SQL statements. The gateway's secret proves who is calling, not whose data it may read:
 * each reference is checked against the forwarded identity like the matching query field,
 * and resolves to null (no data) when the viewer may not see it.
 */
export const companionsReferenceResolvers = {
  Companion: {
    __resolveReference: (ref: { id: string }, ctx: CompanionsContext) => ctx.services.companions.reference(ctx, ref.id),
  },
  Conversation: {
    __resolveReference: (ref: { id: string }, ctx: CompanionsContext) =>
      ctx.services.conversations.reference(ctx, ref.id),
  },
  Message: {
    __resolveReference: (ref: { id: string }, ctx: CompanionsContext) =>
      ctx.services.conversations.messageReference(ctx, ref.id),
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  },
};
