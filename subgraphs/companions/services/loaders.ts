import type { EntityManager } from '@mikro-orm/core';
import { byKey, type Loaders } from '../../../platform/loaders.js';
import { Companion } from '../entities/companion.js';
import { Conversation } from '../entities/conversation.js';
import { Message } from '../entities/message.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

/** One SQL statement per batch of ids, whatever the batch's size; invalid ids resolve to null. */
function byIdLoader<T extends { id: string }>(loaders: Loaders, em: EntityManager, entity: new () => T, name: string) {
  return loaders.get<string, T | null>(name, async (ids) => {
    const valid = [...new Set(ids.filter(isUuid))];
    const rows = valid.length ? await em.find(entity, { id: { $in: valid } } as never) : [];
    return byKey(ids, rows as T[], (row) => row.id);
  });
}

export const companionLoader = (loaders: Loaders, em: EntityManager) =>
  byIdLoader(loaders, em, Companion, 'companions.byId');
export const conversationLoader = (loaders: Loaders, em: EntityManager) =>
  byIdLoader(loaders, em, Conversation, 'conversations.byId');
export const messageLoader = (loaders: Loaders, em: EntityManager) => byIdLoader(loaders, em, Message, 'messages.byId');
