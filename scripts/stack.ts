import 'reflect-metadata';
import type { Config, ServiceName } from '../platform/config.js';
import { closeRuntime, createRuntime, type Runtime } from '../platform/server/runtime.js';
import { startSubgraph, type RunningService } from '../platform/server/subgraph-server.js';
import { startGateway } from '../gateway/gateway-server.js';
import { subgraphModules } from './subgraph-models.js';

export interface Stack {
  runtime: Runtime;
  gateway: RunningService;
  subgraphs: Record<string, RunningService>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Port 0 everywhere: the OS picks free ports (tests run stacks side by side). */
  ephemeralPorts?: boolean;
  onQuery?: (service: string, sql: string) => void;
}

/**
 * The whole graph in one process: every subgraph, then the gateway, sharing one
 * runtime, so the embedded default's in-memory bus and state connect them.
 */
export async function startStack(config: Config, options: StackOptions = {}): Promise<Stack> {
  // Subgraphs' own settings (moderation thresholds, classifier provider…) fail before anything opens.
  for (const module of subgraphModules) module.checkSettings?.(process.env);
  const runtime = await createRuntime(config, 'nexus');
  const subgraphs: Record<string, RunningService> = {};
  try {
    const started = await Promise.all(
      subgraphModules.map((module) =>
        startSubgraph(module, runtime, {
          port: options.ephemeralPorts ? 0 : undefined,
          onQuery: options.onQuery ? (sql) => options.onQuery!(module.name, sql) : undefined,
        }),
      ),
    );
    for (const service of started) subgraphs[service.name] = service;
    const serviceUrls = Object.fromEntries(started.map((service) => [service.name, service.url])) as Partial<
      Record<ServiceName, string>
    >;
    const gateway = await startGateway(runtime, { port: options.ephemeralPorts ? 0 : undefined, serviceUrls });
    return {
      runtime,
      gateway,
      subgraphs,
      async stop() {
        await gateway.stop();
        await Promise.all(Object.values(subgraphs).map((service) => service.stop()));
        await closeRuntime(runtime);
      },
    };
  } catch (error) {
    await Promise.allSettled(Object.values(subgraphs).map((service) => service.stop()));
    await closeRuntime(runtime);
    throw error;
  }
}
