import type { RequestScope } from '../../../platform/context.js';
import { badInput, forbidden, notFound } from '../../../platform/errors.js';
import { pageSize, type Page } from '../../../platform/pagination.js';
import { Evidence } from '../entities/evidence.js';
import { ModerationCase, OPEN_STATUSES, type ContentType, type ModerationStatus } from '../entities/moderation-case.js';
import { caseId, requireStaff } from './access.js';
import type { AccountRoles } from './roles.js';
import { isStaff } from './roles.js';

export interface QueueFilter {
  status?: ModerationStatus | null;
  contentType?: ContentType | null;
  first?: number | null;
  after?: string | null;
}

/** Queue cursors carry the sort key, so a page starts with one index range scan (keyset pagination). */
function encodeQueueCursor(c: ModerationCase): string {
  return Buffer.from(`q:${c.priority}:${c.createdAt.getTime()}:${c.id}`).toString('base64url');
}

function decodeQueueCursor(cursor: string): [number, Date, string] {
  const match = /^q:(\d+):(\d+):([0-9a-f-]{36})$/i.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badInput('after is not a valid cursor', 'after');
  return [Number(match[1]), new Date(Number(match[2])), match[3]!];
}

/** Reads: the queue, one case, ADMIN-only evidence. */
export class QueryService {
  constructor(private readonly roles: AccountRoles) {}

  /** Escalated first, then oldest first; open cases unless a status is asked for. */
  async queue(scope: RequestScope, filter: QueueFilter): Promise<Page<ModerationCase>> {
    const viewer = requireStaff(scope.identity);
    await this.roles.observe(scope.em, viewer);
    const size = pageSize(filter.first);
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.status) {
      where.push('"status" = ?');
      params.push(filter.status);
    } else {
      where.push(`"status" in (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})`);
    }
    if (filter.contentType) {
      where.push('"content_type" = ?');
      params.push(filter.contentType);
    }
    if (filter.after) {
      where.push('("priority", "created_at", "id") > (?, ?, ?)');
      params.push(...decodeQueueCursor(filter.after));
    }
    params.push(size + 1);
    const rows = await scope.em
      .getConnection()
      .execute<Record<string, unknown>[]>(
        `select * from "moderation_cases" where ${where.join(' and ')} order by "priority", "created_at", "id" limit ?`,
        params,
      );
    const cases = rows.map((row: Record<string, unknown>) => scope.em.map(ModerationCase, row));
    const nodes = cases.slice(0, size);
    return {
      edges: nodes.map((node: ModerationCase) => ({ cursor: encodeQueueCursor(node), node })),
      pageInfo: {
        hasNextPage: cases.length > size,
        endCursor: nodes.length ? encodeQueueCursor(nodes.at(-1)!) : null,
      },
    };
  }

  /** Staff see every case; an author sees the case on their own content; anyone else NOT_FOUND. */
  async find(scope: RequestScope, id: string): Promise<ModerationCase> {
    const found = await scope.em.findOne(ModerationCase, { id: caseId(id) });
    if (!found || !canSee(scope, found)) throw notFound('Moderation case');
    return found;
  }

  /** The case on (type, id) when the viewer may see it; null alike when there is none, so nothing leaks. */
  async findByContent(
    scope: RequestScope,
    contentType: ContentType,
    contentId: string,
  ): Promise<ModerationCase | null> {
    const id = contentId.trim();
    if (!id || id.length > 128) throw badInput('contentId must be 1 to 128 characters', 'contentId');
    const found = await scope.em.findOne(ModerationCase, { contentType, contentId: id });
    return found && canSee(scope, found) ? found : null;
  }

  async evidence(scope: RequestScope, id: string): Promise<Evidence | null> {
    if (scope.identity?.role !== 'ADMIN') throw forbidden('Evidence is for admins only');
    return scope.em.findOne(Evidence, { caseId: caseId(id) });
  }
}

export function canSee(scope: RequestScope, c: ModerationCase): boolean {
  const viewer = scope.identity;
  if (!viewer) return false;
  return c.authorId === viewer.userId || isStaff(viewer);
}
