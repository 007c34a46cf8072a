import type { EntityManager } from '@mikro-orm/core';
import { byKey, type Loaders } from '../../../platform/loaders.js';
import { CaseEvent } from '../entities/case-event.js';
import { ModerationCase, type ContentType } from '../entities/moderation-case.js';
import { ModeratorNote } from '../entities/moderator-note.js';
import { isUuid } from './access.js';

/** Cases by id: one SQL statement per batch; malformed ids resolve to null. */
export const caseLoader = (loaders: Loaders, em: EntityManager) =>
  loaders.get<string, ModerationCase | null>('cases.byId', async (ids) => {
    const valid = [...new Set(ids.filter(isUuid))];
    const rows = valid.length ? await em.find(ModerationCase, { id: { $in: valid } }) : [];
    return byKey(ids, rows, (row) => row.id);
  });

/** The case of each piece of content (`MESSAGE:<id>`), one statement per content type in the batch. */
export const caseByContentLoader = (loaders: Loaders, em: EntityManager) =>
  loaders.get<string, ModerationCase | null>('cases.byContent', async (keys) => {
    const byType = new Map<ContentType, string[]>();
    for (const key of new Set(keys)) {
      const [type, id] = key.split(/:(.*)/s) as [ContentType, string];
      byType.set(type, [...(byType.get(type) ?? []), id]);
    }
    const rows: ModerationCase[] = [];
    for (const [contentType, ids] of byType) {
      rows.push(...(await em.find(ModerationCase, { contentType, contentId: { $in: ids } })));
    }
    return byKey(keys, rows, (row) => `${row.contentType}:${row.contentId}`);
  });

function childrenLoader<T extends { caseId: string }>(
  loaders: Loaders,
  em: EntityManager,
  entity: new () => T,
  name: string,
) {
  return loaders.get<string, T[]>(name, async (caseIds) => {
    const rows = (await em.find(entity, { caseId: { $in: [...new Set(caseIds)] } } as never, {
      orderBy: { id: 'asc' } as never,
    })) as T[];
    return caseIds.map((id) => rows.filter((row) => row.caseId === id));
  });
}

export const notesLoader = (loaders: Loaders, em: EntityManager) =>
  childrenLoader(loaders, em, ModeratorNote, 'cases.notes');
export const historyLoader = (loaders: Loaders, em: EntityManager) =>
  childrenLoader(loaders, em, CaseEvent, 'cases.history');

/** A user's warnings (WARN_USER rejections that stand), per batch of users. */
export const warningsLoader = (loaders: Loaders, em: EntityManager) =>
  loaders.get<string, ModerationCase[]>('users.warnings', async (userIds) => {
    const rows = await em.find(
      ModerationCase,
      { authorId: { $in: [...new Set(userIds)] }, action: 'WARN_USER', status: 'REJECTED' },
      { orderBy: { decidedAt: 'desc' } },
    );
    return userIds.map((id) => rows.filter((row) => row.authorId === id));
  });
