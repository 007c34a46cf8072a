import { createClient } from 'graphql-sse';
import type { WireResult } from './live.js';

export interface HttpStream {
  results: WireResult[];
  /** Resolves when the stream ends normally; rejects on a refused request (with its status) or a cut. */
  finished: Promise<void>;
  stop: () => void;
}

/** A subscription over Server-Sent Events with graphql-sse's own client (distinct connections mode). */
export function sseSubscribe(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): HttpStream {
  const client = createClient({ url, singleConnection: false, headers, retryAttempts: 0 });
  const results: WireResult[] = [];
  let stop: () => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    stop = client.subscribe(
      { query, variables },
      {
        next: (result) => void results.push(result as WireResult),
        error: (error) => {
          const response = (error as { response?: { status: number } }).response;
          reject(new Error(response ? `status ${response.status}` : String(error)));
        },
        complete: () => resolve(),
      },
    );
  });
  finished.catch(() => undefined).finally(() => client.dispose());
  return { results, finished, stop: () => stop() };
}

export interface MultipartStream extends HttpStream {
  /** Transport-level errors (`{"payload": null, "errors": […]}`), which end the stream. */
  fatal: WireResult['errors'][];
  heartbeats: number;
  status: Promise<number>;
}

/** Apollo's multipart subscription protocol, read the way Apollo Client's HttpLink does. */
export function multipartSubscribe(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): MultipartStream {
  const controller = new AbortController();
  const stream: MultipartStream = {
    results: [],
    fatal: [],
    heartbeats: 0,
    status: Promise.resolve(0),
    finished: Promise.resolve(),
    stop: () => controller.abort(),
  };
  let resolveStatus: (status: number) => void = () => undefined;
  stream.status = new Promise((resolve) => (resolveStatus = resolve));
  stream.finished = (async () => {
    const response = await fetch(url, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0",application/json',
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    resolveStatus(response.status);
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('multipart/mixed')) {
      const body = (await response.json()) as WireResult;
      throw Object.assign(new Error(`status ${response.status}`), { body });
    }
    const delimiter = `\r\n--${/boundary="?([^";]+)"?/.exec(type)![1]!}`;
    const decoder = new TextDecoder();
    let pending = '';
    let preamble = true;
    let ended = false;
    for await (const chunk of response.body!) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      const segments = pending.split(delimiter);
      pending = segments.pop()!; // the last one may still be arriving
      for (const segment of segments) {
        if (preamble) {
          preamble = false; // whatever precedes the first delimiter
          continue;
        }
        const body = segment.split('\r\n\r\n').slice(1).join('\r\n\r\n').trim();
        const parsed = JSON.parse(body) as { payload?: WireResult | null; errors?: WireResult['errors'] };
        if (parsed.payload) stream.results.push(parsed.payload);
        else if (parsed.errors) stream.fatal.push(parsed.errors);
        else stream.heartbeats += 1;
      }
      if (!preamble && pending.startsWith('--')) {
        ended = true; // the closing delimiter
        break;
      }
    }
    if (!ended) throw new Error('stream cut without its closing boundary');
  })();
  stream.finished.catch(() => undefined);
  return stream;
}
