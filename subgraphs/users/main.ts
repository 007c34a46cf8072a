/** The users subgraph alone: `node dist/subgraphs/users/main.js`. */
import { runSubgraph } from '../../platform/server/run-subgraph.js';
import { usersSubgraph } from './schema.js';

await runSubgraph(usersSubgraph);
