import { OutboxMessage } from '../../../platform/events/outbox-message.js';
import { AccountRole } from './account-role.js';
import { CaseEvent } from './case-event.js';
import { ContentReport } from './content-report.js';
import { ErasedAuthor } from './erased-author.js';
import { Evidence } from './evidence.js';
import { ModerationCase } from './moderation-case.js';
import { ModeratorNote } from './moderator-note.js';
import { ProcessedEvent } from './processed-event.js';

export { AccountRole, CaseEvent, ContentReport, ErasedAuthor, Evidence, ModerationCase, ModeratorNote, ProcessedEvent };

/** Everything the moderation database holds, the outbox included. */
export const moderationEntities = [
  ModerationCase,
  CaseEvent,
  ModeratorNote,
  ContentReport,
  ProcessedEvent,
  AccountRole,
  Evidence,
  ErasedAuthor,
  OutboxMessage,
];
