import type { RequestScope } from '../../../platform/context.js';
import { byKey } from '../../../platform/loaders.js';
import { User } from '../entities/user.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string) => UUID.test(value);

/** Users by id, one SQL statement per batch however many are asked for. */
export function userLoader({ loaders, em }: RequestScope) {
  return loaders.get<string, User | null>('users.byId', async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length ? await em.find(User, { id: { $in: [...new Set(valid)] } }) : [];
    return byKey(ids, rows, (user) => user.id);
  });
}
