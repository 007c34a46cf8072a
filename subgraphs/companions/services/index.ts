import { readThresholds } from '../../../platform/content-safety/thresholds.js';
import { TextChecker } from '../../../platform/content-safety/text-check.js';
import type { ServiceDeps, SubgraphContext } from '../../../platform/server/subgraph-server.js';
import { loadPlanTable } from '../../../platform/plans.js';
import { AccountStatuses } from './account-statuses.js';
import { EntitlementService } from './entitlements.js';
import { ChatService } from './chat-service.js';
import { CompanionService } from './companion-service.js';
import { ConversationService } from './conversation-service.js';
import { GenerationAdmission, registerAdmissionMetrics } from './generation-admission.js';
import { createLlmProvider } from './llm/index.js';
import { ModerationEnforcement } from './moderation-enforcement.js';
import { ReplyProgress } from './reply-progress.js';
import { ReplyStreams } from './reply-streams.js';
import { ReplySweeper } from './reply-sweeper.js';

export interface CompanionsServices {
  companions: CompanionService;
  conversations: ConversationService;
  chat: ChatService;
  statuses: AccountStatuses;
  entitlements: EntitlementService;
  enforcement: ModerationEnforcement;
  progress: ReplyProgress;
  sweeper: ReplySweeper;
}

export type CompanionsContext = SubgraphContext<CompanionsServices>;

export function createCompanionsServices({
  config,
  state,
  outbox,
  orm,
  logger,
  metrics,
}: ServiceDeps): CompanionsServices {
  const statuses = new AccountStatuses();
  const entitlements = new EntitlementService(loadPlanTable(process.env));
  const conversations = new ConversationService(outbox, statuses);
  const staleAfterMs = config.replyStaleAfterMs;
  // Several writes (and sweeps) fit in the stale window, so a live reply is never mistaken for a dead one.
  const progress = new ReplyProgress({
    orm,
    logger,
    intervalMs: Math.min(1_000, staleAfterMs / 4),
    heartbeatMs: staleAfterMs / 4,
  });
  const admission = new GenerationAdmission(config.LLM_MAX_CONCURRENT_GENERATIONS);
  registerAdmissionMetrics(metrics.registry, admission);
  const chat = new ChatService({
    orm,
    llm: createLlmProvider(config, logger, metrics.registry),
    streams: new ReplyStreams(state, config.REPLY_BUFFER_TTL_SECONDS),
    progress,
    outbox,
    conversations,
    statuses,
    entitlements,
    admission,
    // The same MODERATION_AUTO_* variables the moderation subgraph reads, so both draw the same line.
    checker: new TextChecker(readThresholds(process.env)),
    logger,
    settings: {
      maxMessageChars: config.MESSAGE_MAX_CHARS,
      contextTokenBudget: config.CHAT_CONTEXT_TOKEN_BUDGET,
      maxCompletionTokens: config.LLM_MAX_COMPLETION_TOKENS,
      cancelWaitMs: 3_000,
    },
  });
  const sweeper = new ReplySweeper({
    orm,
    logger,
    staleAfterMs,
    intervalMs: staleAfterMs / 2,
    settle: (reply, cutoff) => chat.settleStale(reply, cutoff),
  });
  return {
    companions: new CompanionService(outbox, entitlements),
    conversations,
    chat,
    statuses,
    entitlements,
    enforcement: new ModerationEnforcement(logger),
    progress,
    sweeper,
  };
}
