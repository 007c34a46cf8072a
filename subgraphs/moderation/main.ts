/** The moderation subgraph alone: `node dist/subgraphs/moderation/main.js`. */
import { runSubgraph } from '../../platform/server/run-subgraph.js';
import { moderationSubgraph } from './schema.js';

await runSubgraph(moderationSubgraph);
