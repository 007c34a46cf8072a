import { CaseEvent, type CaseEventKind } from '../entities/case-event.js';
import type { RowSink } from './batch-rows.js';

/** Appends to a case's audit trail in the caller's unit of work (or a batch's rows). */
export function recordHistory(
  rows: RowSink,
  caseId: string,
  kind: CaseEventKind,
  actorId: string | null,
  detail: string | null = null,
): void {
  rows.persist(Object.assign(new CaseEvent(), { caseId, kind, actorId, detail }));
}
