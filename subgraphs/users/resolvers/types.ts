import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { enumOf } from '../../../platform/graphql-types.js';
import { AllowRestricted } from '../../../platform/auth/restricted-access.js';
import { ROLES, USER_STATUSES, type Role, type UserStatus } from '../../../platform/auth/identity.js';
import { PLANS, type Plan } from '../entities/user.js';
import type { ConsentPurpose } from '../privacy/consent-record.js';
import { ConsentPurposeEnum } from '../privacy/consent-types.js';

export const RoleEnum = enumOf(ROLES);
export const UserStatusEnum = enumOf(USER_STATUSES);
export const PlanEnum = enumOf(PLANS);
registerEnumType(RoleEnum, { name: 'Role' });
registerEnumType(UserStatusEnum, { name: 'UserStatus' });
registerEnumType(PlanEnum, { name: 'Plan' });

// A restricted session reads users' own fields (e.g. the author of its moderation case).
@AllowRestricted()
@ObjectType('User', { description: 'A person with an account. Other subgraphs add their own fields.' })
@Directive('@key(fields: "id")')
export class UserNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Visible to the user themselves and to admins; null otherwise.' })
  email?: string | null;

  @Field(() => String)
  displayName!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => UserStatusEnum)
  status!: UserStatus;

  @Field(() => PlanEnum)
  plan!: Plan;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('AuthPayload')
export class AuthPayload {
  @Field(() => String)
  accessToken!: string;

  @Field(() => String, { description: 'Single use: each refresh returns a new one.' })
  refreshToken!: string;

  @Field(() => Date, { description: 'When the access token expires.' })
  expiresAt!: Date;

  @Field(() => UserNode)
  user!: UserNode;

  @Field(() => Boolean, {
    description:
      'True for a suspended or banned account: the session may only read its moderation decisions, appeal, and use me/logout/refreshToken.',
  })
  restricted!: boolean;
}

@InputType('RegisterInput')
export class RegisterInput {
  @Field(() => String)
  email!: string;

  @Field(() => String, { description: '10 to 128 characters, letters mixed with digits or symbols.' })
  password!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The terms and privacy policy version accepted; default the one in force (another is POLICY_OUTDATED).',
  })
  acceptedPolicyVersion?: string | null;

  @Field(() => [ConsentPurposeEnum], {
    nullable: true,
    description: 'Purposes granted at sign-up; the others are refused.',
  })
  consents?: ConsentPurpose[] | null;
}

@InputType('LoginInput')
export class LoginInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;
}

@InputType('UpdateProfileInput')
export class UpdateProfileInput {
  @Field(() => String, { nullable: true })
  displayName?: string | null;
}
