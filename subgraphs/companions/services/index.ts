import type { ServiceDeps, SubgraphContext } from '../../../platform/server/subgraph-server.js';
import { AccountStatuses } from './account-statuses.js';
import { ChatService } from './chat-service.js';
import { CompanionService } from './companion-service.js';
import { ConversationService } from './conversation-service.js';
import { createLlmProvider } from './llm/index.js';
import { ReplyStreams } from './reply-streams.js';

export interface CompanionsServices {
  companions: CompanionService;
  conversations: ConversationService;
  chat: ChatService;
  statuses: AccountStatuses;
}

export type CompanionsContext = SubgraphContext<CompanionsServices>;

export function createCompanionsServices({ config, state, outbox, orm, logger }: ServiceDeps): CompanionsServices {
  const statuses = new AccountStatuses();
  const conversations = new ConversationService(outbox, statuses);
  const chat = new ChatService({
    orm,
    llm: createLlmProvider(config, logger),
    streams: new ReplyStreams(state, config.REPLY_BUFFER_TTL_SECONDS),
    outbox,
    conversations,
    statuses,
    logger,
    settings: {
      maxMessageChars: config.MESSAGE_MAX_CHARS,
      contextTokenBudget: config.CHAT_CONTEXT_TOKEN_BUDGET,
      maxCompletionTokens: config.LLM_MAX_COMPLETION_TOKENS,
      cancelWaitMs: 3_000,
    },
  });
  return { companions: new CompanionService(outbox), conversations, chat, statuses };
}
