/** The analytics subgraph alone: `node dist/subgraphs/analytics/main.js`. */
import { runSubgraph } from '../../platform/server/run-subgraph.js';
import { analyticsSubgraph } from './schema.js';
import { AnalyticsSettingsError, loadAnalyticsSettings } from './settings.js';

// A bad ANALYTICS_* variable is one line and exit code 1, before anything starts.
try {
  loadAnalyticsSettings();
} catch (error) {
  if (!(error instanceof AnalyticsSettingsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
await runSubgraph(analyticsSubgraph);
