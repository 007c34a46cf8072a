import { Arg, Ctx, Int, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { badInput } from '../../../platform/errors.js';
import { requireAnalyst } from '../services/access.js';
import type { AnalyticsContext } from '../services/index.js';
import type { RealtimeSnapshot } from '../services/realtime/store.js';
import { RealtimeMetricsNode, TrackEventInput } from './types.js';

@Resolver()
export class TrackingResolver {
  @Mutation(() => Boolean, {
    description:
      'Records an event of the caller; counted once it has gone through Kafka. False when dropped: the caller has not granted ANALYTICS consent.',
  })
  async trackEvent(@Arg('input', () => TrackEventInput) input: TrackEventInput, @Ctx() ctx: AnalyticsContext) {
    return (await ctx.services.tracking.track(ctx, [input], 'input')) > 0;
  }

  @Mutation(() => Int, {
    description:
      'Up to 100 events of the caller at once; returns how many were accepted (0 without ANALYTICS consent).',
  })
  trackEvents(@Arg('inputs', () => [TrackEventInput]) inputs: TrackEventInput[], @Ctx() ctx: AnalyticsContext) {
    return ctx.services.tracking.track(ctx, inputs, 'inputs');
  }
}

@Resolver()
export class LiveMetricsResolver {
  @Subscription(() => RealtimeMetricsNode, {
    description: 'Analysts and admins: the realtime counters every `intervalSeconds` (1–60).',
    subscribe: ({ args, context }: { args: { intervalSeconds?: number }; context: AnalyticsContext }) => {
      requireAnalyst(context.identity);
      const interval = args.intervalSeconds ?? 1;
      if (!Number.isInteger(interval) || interval < 1 || interval > 60) {
        throw badInput('intervalSeconds must be between 1 and 60', 'intervalSeconds');
      }
      return context.services.live.follow(interval);
    },
  })
  liveMetrics(
    @Arg('intervalSeconds', () => Int, { defaultValue: 1 }) _intervalSeconds: number,
    @Root() snapshot: RealtimeSnapshot,
  ): RealtimeSnapshot {
    return snapshot;
  }
}
