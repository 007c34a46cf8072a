/** The analytics subgraph alone: `node dist/subgraphs/analytics/main.js`. */
import { runSubgraph } from '../../platform/server/run-subgraph.js';
import { analyticsSubgraph } from './schema.js';

await runSubgraph(analyticsSubgraph);
