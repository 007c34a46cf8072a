import { createHash, randomUUID } from 'node:crypto';
import { createCompanion, startConversation } from '../support/chat.js';
import { bearer, errorCode, gql, register, type Account } from '../support/http.js';
import { APPEAL, eventually, MODERATE, promote, RESOLVE, type CaseView } from '../support/moderation.js';
import { OpenAiModerationTestServer } from '../support/openai-moderation-server.js';
import { profiles } from '../support/profiles.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

/**
 * Moderation with a scripted remote classifier (the OpenAI moderation protocol on loopback):
 * the threshold edges at exact confidences, every media content type, and the owner of a
 * companion that moderation hid finding its case to appeal.
 */

const MAX_MEDIA_BYTES = 10 * 1024 * 1024;
const BLOCKED_FILE = createHash('sha256').update('a file known to be bad').digest('hex');
const sha = (label: string) => createHash('sha256').update(label).digest('hex');

const CASE_OF = `query($type: ContentType!, $id: ID!) { moderationCaseOf(contentType: $type, contentId: $id) { id status action automatic } }`;
const COMPANION = `query($id: ID!) { companion(id: $id) { id available } }`;

describe.each(profiles())('moderation content and thresholds ($name profile)', (profile) => {
  let classifier: OpenAiModerationTestServer;
  let stack: TestStack;
  let url: string;
  let mod1: Account;
  let mod2: Account;
  let author: Account;

  beforeAll(async () => {
    classifier = await new OpenAiModerationTestServer().start();
    const env = {
      MODERATION_PROVIDER: 'openai',
      MODERATION_OPENAI_API_KEY: classifier.apiKey,
      MODERATION_OPENAI_BASE_URL: classifier.baseURL,
      MODERATION_PROVIDER_TIMEOUT_MS: '20000',
      MEDIA_MAX_BYTES: String(MAX_MEDIA_BYTES),
      MEDIA_BLOCKLIST_SHA256: BLOCKED_FILE,
    };
    // The subgraph reads its classifier settings from the environment when its services are created.
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      stack = await startTestStack(profile, { OFFLINE_TOKENS_PER_SECOND: '1000' });
    } finally {
      for (const key of Object.keys(env)) process.env[key] = saved[key];
    }
    url = stack.gateway.url;
    [mod1, mod2, author] = await Promise.all([promote(stack, 'MODERATOR'), promote(stack, 'MODERATOR'), register(url)]);
  }, 120_000);
  afterAll(async () => {
    await stack?.destroy();
    await classifier?.stop();
  });

  async function moderate(input: Record<string, unknown>): Promise<CaseView & { confidence: number | null }> {
    const response = await gql<{ moderateContent: CaseView }>(
      url,
      MODERATE,
      { input: { contentType: 'MESSAGE', contentId: randomUUID(), authorId: author.id, ...input } },
      bearer(mod1.accessToken),
    );
    if (!response.body.data) throw new Error(JSON.stringify(response.body));
    return response.body.data.moderateContent;
  }

  test('threshold edges: exactly 0.8 approves, exactly 0.3 goes to review, just below each moves down a band', async () => {
    const at = async (hate: number) => {
      classifier.setDefault({ kind: 'scores', scores: { hate }, flagged: false });
      return moderate({ text: `edge case ${hate}` });
    };
    // confidence = 1 − the worst score (docs/moderation-classifiers.md), exact on its decimal grid.
    const approveEdge = await at(0.2);
    expect(approveEdge).toMatchObject({ confidence: 0.8, status: 'APPROVED', action: 'NONE', automatic: true });
    expect(approveEdge.provider).toBe('openai');
    const belowApprove = await at(0.200001);
    expect(belowApprove).toMatchObject({ confidence: 0.799999, status: 'PENDING', action: null, automatic: false });
    const rejectEdge = await at(0.7);
    expect(rejectEdge).toMatchObject({ confidence: 0.3, status: 'PENDING', action: null, automatic: false });
    const belowReject = await at(0.700001);
    expect(belowReject).toMatchObject({
      confidence: 0.299999,
      status: 'REJECTED',
      action: 'DELETE_CONTENT',
      automatic: true,
    });
    // Every answer above came from the scripted server, none from the local fallback.
    expect(classifier.requests.filter((r) => JSON.stringify(r.body).includes('edge case'))).toHaveLength(4);
    classifier.reset();
  });

  test('media: IMAGE judged remotely, AUDIO and VIDEO to the human queue, blocklist, size and type refused', async () => {
    classifier.setDefault({ kind: 'scores' });
    const media = (type: string, mimeType: string, size: number, sha256: string) =>
      moderate({
        contentType: type,
        mediaUrl: `https://cdn.test/${type.toLowerCase()}/${sha256}`,
        mimeType,
        size,
        sha256,
      });

    const image = await media('IMAGE', 'image/png', 120_000, sha('image'));
    expect(image).toMatchObject({ contentType: 'IMAGE', status: 'APPROVED', provider: 'openai', automatic: true });
    const imageRequest = classifier.requests.find((r) => JSON.stringify(r.body).includes(sha('image')));
    expect(JSON.stringify(imageRequest?.body?.input)).toContain('image_url');

    // No configured classifier judges sound or moving pictures: a human does, never an automatic approval.
    for (const [type, mimeType] of [
      ['AUDIO', 'audio/mpeg'],
      ['VIDEO', 'video/mp4'],
    ] as const) {
      const pending = await media(type, mimeType, 2_000_000, sha(type));
      expect(pending).toMatchObject({ contentType: type, status: 'PENDING', action: null, confidence: null });
      const staff = await gql<{ moderationCase: { media: Record<string, unknown> | null } }>(
        url,
        'query($id: ID!) { moderationCase(id: $id) { media { url mimeType size sha256 } } }',
        { id: pending.id },
        bearer(mod2.accessToken),
      );
      expect(staff.body.data?.moderationCase.media).toEqual({
        url: `https://cdn.test/${type.toLowerCase()}/${sha(type)}`,
        mimeType,
        size: 2_000_000,
        sha256: sha(type),
      });
    }
    expect(classifier.requests.some((r) => JSON.stringify(r.body).includes(sha('AUDIO')))).toBe(false);
    // The author sees the outcome of their own media case, not the reference staff review.
    const own = await gql(
      url,
      'query($id: ID!) { moderationCase(id: $id) { status media { url } } }',
      { id: image.id },
      bearer(author.accessToken),
    );
    expect(errorCode(own)).toBe('FORBIDDEN');

    // Refused before any classifier, whatever the type.
    for (const type of ['IMAGE', 'AUDIO', 'VIDEO'] as const) {
      const mime = { IMAGE: 'image/jpeg', AUDIO: 'audio/ogg', VIDEO: 'video/webm' }[type];
      const blocked = await media(type, mime, 1000, BLOCKED_FILE.toUpperCase());
      expect(blocked).toMatchObject({ status: 'REJECTED', action: 'DELETE_CONTENT', automatic: true });
      expect(blocked.reason).toContain('blocklist');
      const large = await media(type, mime, MAX_MEDIA_BYTES + 1, sha(`${type}-large`));
      expect(large).toMatchObject({ status: 'REJECTED', action: 'DELETE_CONTENT' });
      expect(large.reason).toContain('size');
    }
    const mislabelled = await media('AUDIO', 'video/mp4', 1000, sha('mislabelled'));
    expect(mislabelled).toMatchObject({ status: 'REJECTED', action: 'DELETE_CONTENT' });
    expect(mislabelled.reason).toContain('media-type');
    const noReference = await gql(
      url,
      MODERATE,
      { input: { contentType: 'VIDEO', contentId: randomUUID() } },
      bearer(mod1.accessToken),
    );
    expect(errorCode(noReference)).toBe('BAD_USER_INPUT');
  });

  test("a hidden companion's owner finds its case, appeals, and the overturn brings the companion back", async () => {
    const owner = await register(url);
    const user = await register(url);
    // The classifier finds this persona unsafe (confidence 0.1): rejected and hidden automatically.
    classifier.setDefault({ kind: 'scores', scores: { harassment: 0.9 } });
    const companion = await createCompanion(url, owner.accessToken, { visibility: 'PUBLIC', name: 'Brute' });
    const caseOf = async (token: string) =>
      (
        await gql<{
          moderationCaseOf: { id: string; status: string; action: string | null; automatic: boolean } | null;
        }>(url, CASE_OF, { type: 'COMPANION', id: companion }, bearer(token))
      ).body.data?.moderationCaseOf ?? null;
    const rejected = await eventually(async () => {
      const found = await caseOf(owner.accessToken);
      return found?.status === 'REJECTED' ? found : undefined;
    });
    classifier.reset();
    expect(rejected).toMatchObject({ action: 'DELETE_CONTENT', automatic: true });
    const read = async (token: string) =>
      (await gql<{ companion: { id: string } | null }>(url, COMPANION, { id: companion }, bearer(token))).body.data
        ?.companion ?? null;
    await eventually(async () => ((await read(owner.accessToken)) === null ? true : undefined));
    // The Companion is gone for everyone (its owner too), but its owner still reaches the case.
    expect(await read(user.accessToken)).toBeNull();
    expect(await caseOf(user.accessToken)).toBeNull();
    expect((await caseOf(mod1.accessToken))?.id).toBe(rejected.id);

    const appealed = await gql<{ appealDecision: { status: string } }>(
      url,
      APPEAL,
      { id: rejected.id, reason: 'Brute is a gentle giant' },
      bearer(owner.accessToken),
    );
    expect(appealed.body.data?.appealDecision.status).toBe('APPEALED');
    const overturned = await gql<{ resolveAppeal: CaseView }>(
      url,
      RESOLVE,
      { id: rejected.id, upheld: false, note: 'harmless persona' },
      bearer(mod2.accessToken),
    );
    expect(overturned.body.data?.resolveAppeal).toMatchObject({ status: 'APPROVED', action: 'NONE' });
    await eventually(async () => ((await read(user.accessToken)) ? true : undefined));
    expect(await read(owner.accessToken)).toEqual({ id: companion, available: true });
    await startConversation(url, user.accessToken, companion);
    expect(await caseOf(owner.accessToken)).toMatchObject({ id: rejected.id, status: 'APPROVED' });
  });

  test('moderationCaseOf: bad ids are refused, and nobody learns of a case that is not theirs', async () => {
    const stranger = await register(url);
    const tooLong = await gql(url, CASE_OF, { type: 'MESSAGE', id: 'x'.repeat(200) }, bearer(stranger.accessToken));
    expect(errorCode(tooLong)).toBe('BAD_USER_INPUT');
    const anonymous = await gql(url, CASE_OF, { type: 'MESSAGE', id: randomUUID() });
    expect(anonymous.body.data?.moderationCaseOf ?? null).toBeNull();
    expect(anonymous.body.errors).toBeDefined();
    const other = await moderate({ text: 'some message' });
    const seen = await gql(url, CASE_OF, { type: 'MESSAGE', id: other.contentId }, bearer(stranger.accessToken));
    expect(seen.body).toEqual({ data: { moderationCaseOf: null } });
  });
});
