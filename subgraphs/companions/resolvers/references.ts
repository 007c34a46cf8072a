import type { CompanionsContext } from '../services/index.js';
import { companionLoader, conversationLoader, messageLoader } from '../services/loaders.js';

/** Entities referenced from other subgraphs, each batched: N references cost one SQL statement. */
export const companionsReferenceResolvers = {
  Companion: {
    __resolveReference: (ref: { id: string }, ctx: CompanionsContext) =>
      companionLoader(ctx.loaders, ctx.em).load(ref.id),
  },
  Conversation: {
    __resolveReference: (ref: { id: string }, ctx: CompanionsContext) =>
      conversationLoader(ctx.loaders, ctx.em).load(ref.id),
  },
  Message: {
    __resolveReference: (ref: { id: string }, ctx: CompanionsContext) =>
      messageLoader(ctx.loaders, ctx.em).load(ref.id),
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  },
};
