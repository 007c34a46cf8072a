import { badInput } from '../../../platform/errors.js';
import { VISIBILITIES, type Visibility } from '../entities/companion.js';

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export interface CompanionFields {
  name: string;
  description: string;
  personality: string[];
  visibility: Visibility;
}

/** Trims and checks a companion's profile; every problem names its field. */
export function validateCompanion(input: CompanionFields): CompanionFields {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 64 || CONTROL.test(name)) {
    throw badInput('name must be 1 to 64 printable characters', 'name');
  }
  const description = input.description.trim();
  if (description.length > 2000 || CONTROL.test(description)) {
    throw badInput('description must be at most 2000 printable characters', 'description');
  }
  const personality = input.personality.map((trait) => trait.trim()).filter(Boolean);
  if (personality.length > 12 || personality.some((trait) => trait.length > 40 || CONTROL.test(trait))) {
    throw badInput('personality takes at most 12 traits of at most 40 characters', 'personality');
  }
  if (!VISIBILITIES.includes(input.visibility)) throw badInput('visibility is PRIVATE or PUBLIC', 'visibility');
  return { name, description, personality: [...new Set(personality)], visibility: input.visibility };
}

/** A chat message: not blank, not over the configured length. */
export function validateMessage(content: string, maxChars: number): string {
  const text = content.trim();
  if (!text) throw badInput('Message is empty', 'content', 'EMPTY_MESSAGE');
  if (text.length > maxChars) {
    throw badInput(`Message is longer than ${maxChars} characters`, 'content', 'MESSAGE_TOO_LONG');
  }
  if (CONTROL.test(text)) throw badInput('Message contains control characters', 'content');
  return text;
}
