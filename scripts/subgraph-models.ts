import type { SubgraphModule } from '../platform/server/subgraph-server.js';
import { analyticsSubgraph } from '../subgraphs/analytics/schema.js';
import { companionsSubgraph } from '../subgraphs/companions/schema.js';
import { moderationSubgraph } from '../subgraphs/moderation/schema.js';
import { usersSubgraph } from '../subgraphs/users/schema.js';

/** Every subgraph, for the process launcher and the tooling scripts (compose, migrations). */
export const subgraphModules: SubgraphModule<unknown>[] = [
  usersSubgraph as SubgraphModule<unknown>,
  companionsSubgraph as SubgraphModule<unknown>,
  moderationSubgraph as SubgraphModule<unknown>,
  analyticsSubgraph as SubgraphModule<unknown>,
];

export const subgraphModels = Object.fromEntries(subgraphModules.map((module) => [module.name, module]));
