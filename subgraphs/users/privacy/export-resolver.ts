import {
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  registerEnumType,
} from 'type-graphql';
import { AllowRestricted } from '../../../platform/auth/restricted-access.js';
import { enumOf } from '../../../platform/graphql-types.js';
import type { UsersContext } from '../services/index.js';
import { DATA_EXPORT_STATUSES, type DataExport, type DataExportStatus } from './data-export.js';

export const DataExportStatusEnum = enumOf(DATA_EXPORT_STATUSES);
registerEnumType(DataExportStatusEnum, {
  name: 'DataExportStatus',
  description:
    'PENDING: parts still being gathered; READY: the archive can be downloaded; FAILED: a part never came (ask again); EXPIRED: the archive was deleted.',
});

@ObjectType('DataExport', {
  description: 'A copy of everything the platform holds about the user, as one JSON archive.',
})
export class DataExportNode {
  @Field(() => ID)
  id!: string;

  @Field(() => DataExportStatusEnum)
  status!: DataExportStatus;

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the archive was complete.' })
  readyAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the archive is deleted (7 days after it was ready).' })
  availableUntil!: Date | null;
}

@Resolver(() => DataExportNode)
export class ExportResolver {
  @Authorized()
  @AllowRestricted()
  @Mutation(() => DataExportNode, {
    description:
      "Starts an export of all the caller's data (every subgraph). One per 24 hours: RATE_LIMITED with extensions.retryAt otherwise.",
  })
  requestDataExport(@Ctx() ctx: UsersContext): Promise<DataExport> {
    return ctx.services.privacy.exports.request(ctx);
  }

  @Authorized()
  @AllowRestricted()
  @Query(() => DataExportNode, { nullable: true, description: "The caller's newest data export; null if none." })
  dataExport(@Ctx() ctx: UsersContext): Promise<DataExport | null> {
    return ctx.services.privacy.exports.latest(ctx);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "A download link for the archive (a path on the graph's origin unless EXPORT_BASE_URL is set), signed afresh on every read and valid 15 minutes; null unless READY.",
  })
  url(@Root() dataExport: DataExport, @Ctx() ctx: UsersContext): string | null {
    return ctx.services.privacy.exports.link(dataExport)?.url ?? null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the link in `url` stops working.' })
  expiresAt(@Root() dataExport: DataExport, @Ctx() ctx: UsersContext): Date | null {
    return ctx.services.privacy.exports.link(dataExport)?.expiresAt ?? null;
  }
}
