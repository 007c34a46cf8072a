import type { EntityManager } from '@mikro-orm/core';
import { CaseEvent, type CaseEventKind } from '../entities/case-event.js';

/** Appends to a case's audit trail in the caller's unit of work. */
export function recordHistory(
  tx: EntityManager,
  caseId: string,
  kind: CaseEventKind,
  actorId: string | null,
  detail: string | null = null,
): void {
  tx.persist(tx.create(CaseEvent, { caseId, kind, actorId, detail }));
}
