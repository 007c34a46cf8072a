import { OutboxMessage } from '../../../platform/events/outbox-message.js';
import { billingEntities } from '../billing/entities.js';
import { ProcessedDecision } from './processed-decision.js';
import { RefreshToken } from './refresh-token.js';
import { Session } from './session.js';
import { User } from './user.js';
import { AuditEntry } from '../privacy/audit-entry.js';
import { ConsentRecord } from '../privacy/consent-record.js';
import { DataExport, DataExportPart } from '../privacy/data-export.js';
import { ErasureRequest } from '../privacy/erasure-request.js';

export { ProcessedDecision, RefreshToken, Session, User };

/** Everything the users database holds, the outbox included. */
export const usersEntities = [
  User,
  Session,
  RefreshToken,
  ProcessedDecision,
  OutboxMessage,
  ConsentRecord,
  AuditEntry,
  ErasureRequest,
  DataExport,
  DataExportPart,
  ...billingEntities,
];
