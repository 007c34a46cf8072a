import { uuidv7 } from '../../../platform/uuid-v7.js';
import { CaseEvent, type CaseEventKind } from '../entities/case-event.js';
import { BatchRows, type RowSink } from './batch-rows.js';

/** Appends to a case's audit trail in the caller's unit of work (or a batch's rows). */
export function recordHistory(
  rows: RowSink,
  caseId: string,
  kind: CaseEventKind,
  actorId: string | null,
  detail: string | null = null,
): void {
  const event: CaseEvent = { id: uuidv7(), caseId, kind, actorId, detail, createdAt: new Date() };
  // A batch inserts plain rows; a unit of work needs the entity.
  if (rows instanceof BatchRows) rows.add(CaseEvent, event);
  else rows.persist(Object.assign(new CaseEvent(), event));
}
