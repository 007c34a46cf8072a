import type { ModerationContext } from '../services/index.js';
import { caseLoader } from '../services/loaders.js';
import { canSee } from '../services/query-service.js';

/** Entities referenced from other subgraphs, each batched: N references cost one SQL statement. */
export const moderationReferenceResolvers = {
  ModerationCase: {
    __resolveReference: async (ref: { id: string }, ctx: ModerationContext) => {
      const found = await caseLoader(ctx.loaders, ctx.em).load(ref.id);
      return found && canSee(ctx, found) ? found : null;
    },
  },
  User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  Message: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
  Companion: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
};
