/** The companions subgraph alone: `node dist/subgraphs/companions/main.js`. */
import { runSubgraph } from '../../platform/server/run-subgraph.js';
import { companionsSubgraph } from './schema.js';

await runSubgraph(companionsSubgraph);
