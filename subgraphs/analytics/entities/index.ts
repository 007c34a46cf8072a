import { OutboxMessage } from '../../../platform/events/outbox-message.js';
import { HistoryEvent } from './history-event.js';
import { AnalyticsConsent } from '../privacy/consent-state.js';
import {
  DailyActiveUser,
  DailyCount,
  DailyRevenue,
  HourlyCount,
  TrackedSession,
  TrackedSubscription,
  TrackedUser,
  UserDailyCount,
  UserMonthlyRunningCount,
  UserTypeMonthTimes,
} from './rollups.js';

/** Everything the analytics database holds, the outbox included. */
export const analyticsEntities = [
  HistoryEvent,
  HourlyCount,
  DailyCount,
  UserDailyCount,
  DailyActiveUser,
  UserMonthlyRunningCount,
  UserTypeMonthTimes,
  TrackedUser,
  TrackedSession,
  TrackedSubscription,
  DailyRevenue,
  OutboxMessage,
  AnalyticsConsent,
];
