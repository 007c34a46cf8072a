import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { enumOf } from '../../../platform/graphql-types.js';
import { CONSENT_PURPOSES, type ConsentPurpose } from './consent-record.js';

export const ConsentPurposeEnum = enumOf(CONSENT_PURPOSES);
registerEnumType(ConsentPurposeEnum, {
  name: 'ConsentPurpose',
  description: 'What a user may allow: ANALYTICS (product analytics of their use), MARKETING (messages about offers).',
});

@ObjectType('Consent', { description: "A user's current choice for one purpose (refused until granted)." })
export class ConsentNode {
  @Field(() => ConsentPurposeEnum)
  purpose!: ConsentPurpose;

  @Field(() => Boolean)
  granted!: boolean;

  @Field(() => String, { nullable: true, description: 'The privacy policy version the choice was made under.' })
  policyVersion!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the choice was made; null when never asked.' })
  recordedAt!: Date | null;
}

@ObjectType('ConsentRecord', { description: 'One consent decision, kept forever as history.' })
export class ConsentRecordNode {
  @Field(() => String, { description: 'ANALYTICS, MARKETING, or TERMS (the policy accepted at registration).' })
  purpose!: string;

  @Field(() => Boolean)
  granted!: boolean;

  @Field(() => String)
  policyVersion!: string;

  @Field(() => Date)
  recordedAt!: Date;
}
