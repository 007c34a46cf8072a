import { OutboxMessage } from '../../../platform/events/outbox-message.js';
import { AccountStatus } from './account-status.js';
import { Companion } from './companion.js';
import { Conversation } from './conversation.js';
import { AccountPlan } from './entitlement-plan.js';
import { Message } from './message.js';
import { MessageQuotaUsage } from './message-quota.js';
import { AppliedModerationEvent } from './moderation-event.js';

export { AccountPlan, AccountStatus, AppliedModerationEvent, Companion, Conversation, Message, MessageQuotaUsage };

/** Everything the companions database holds, the outbox included. */
export const companionsEntities = [
  Companion,
  Conversation,
  Message,
  AccountStatus,
  AccountPlan,
  MessageQuotaUsage,
  AppliedModerationEvent,
  OutboxMessage,
];
