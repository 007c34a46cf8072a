import type { ChatMessage } from './llm/provider.js';
import type { Companion } from '../entities/companion.js';
import type { Message } from '../entities/message.js';

/** Rough token count (about four characters a token) — enough to keep within a budget. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4) + 4;

export function personaPrompt(companion: Companion): string {
  const traits = companion.personality.length ? ` Personality: ${companion.personality.join(', ')}.` : '';
  return `You are ${companion.name}. ${companion.description}${traits} Stay in character and answer as ${companion.name}.`;
}

/**
 * The companion's persona as the system prompt, then as much of the recent conversation
 * as fits in the budget (newest kept, oldest dropped), oldest first.
 */
export function buildPrompt(companion: Companion, history: Message[], budget: number): ChatMessage[] {
  const system: ChatMessage = { role: 'system', content: personaPrompt(companion) };
  let remaining = budget - estimateTokens(system.content);
  const kept: ChatMessage[] = [];
  for (const message of [...history].reverse()) {
    if (message.role === 'SYSTEM' || !message.content) continue;
    const cost = estimateTokens(message.content);
    if (cost > remaining && kept.length > 0) break;
    kept.push({ role: message.role === 'USER' ? 'user' : 'assistant', content: message.content });
    remaining -= cost;
  }
  return [system, ...kept.reverse()];
}
