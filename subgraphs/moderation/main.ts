/** The moderation subgraph alone: `node dist/subgraphs/moderation/main.js`. */
import { runSubgraph } from '../../platform/server/run-subgraph.js';
import { moderationSubgraph } from './schema.js';
import { loadModerationSettings, ModerationSettingsError } from './settings.js';

// A bad MODERATION_* variable is one line and exit code 1, before anything starts.
try {
  loadModerationSettings();
} catch (error) {
  if (!(error instanceof ModerationSettingsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
await runSubgraph(moderationSubgraph);
