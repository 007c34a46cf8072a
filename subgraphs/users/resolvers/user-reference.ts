import type { UsersContext } from '../services/index.js';
import { userLoader } from '../services/user-loader.js';

/** Other subgraphs' `User` references, batched: 100 references cost one SQL statement. */
export const userReferenceResolvers = {
  User: {
    __resolveReference(reference: { id: string }, ctx: UsersContext) {
      return userLoader(ctx).load(reference.id);
    },
  },
};
