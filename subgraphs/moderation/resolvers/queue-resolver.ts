import { Authorized, Ctx, FieldResolver, Resolver, Root, Subscription } from 'type-graphql';
import type { ModerationCase } from '../entities/moderation-case.js';
import type { ModerationContext } from '../services/index.js';
import { caseLoader } from '../services/loaders.js';
import type { QueueUpdate } from '../services/queue-updates.js';
import { ModerationCaseNode, QueueEventNode } from './types.js';

@Resolver(() => QueueEventNode)
export class QueueEventResolver {
  @Authorized('MODERATOR')
  @Subscription(() => QueueEventNode, {
    description: 'Staff: a case entered the queue, was claimed, decided, escalated, appealed or its appeal resolved.',
    subscribe: ({ context }: { context: ModerationContext }) => context.services.queue.follow(),
  })
  moderationQueueUpdates(@Root() update: QueueUpdate): QueueEventNode & { actorId: string | null } {
    return { ...update, occurredAt: new Date(update.occurredAt) };
  }

  @FieldResolver(() => ModerationCaseNode, { nullable: true, description: 'The case as it is now.' })
  case(@Root() update: QueueUpdate, @Ctx() ctx: ModerationContext): Promise<ModerationCase | null> {
    return caseLoader(ctx.loaders, ctx.em).load(update.caseId);
  }
}
