import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {
  payloadHash,
  startFakeEndpoint,
  type FakeEndpoint,
  type FakeEndpointOptions,
  type FakeRequest,
  type FakeReply,
  type FaultKind,
} from '../../lib/operator/scripted-endpoint';

/** Answers "<kind>:<last user message or prompt>", with a fixed reasoning trace for chat. */
function echoAnswer(req: FakeRequest): FakeReply {
  if (req.kind === 'completions') return { content: `completion of ${req.prompt ?? ''}` };
  const last = req.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  return { content: `answer to ${last}`, reasoning_content: 'thinking hard here' };
}

async function withEndpoint(
  opts: Partial<FakeEndpointOptions>,
  fn: (ep: FakeEndpoint) => Promise<void>,
): Promise<void> {
  const ep = await startFakeEndpoint({ answer: echoAnswer, ...opts });
  try {
    await fn(ep);
  } finally {
    await ep.close();
  }
}

function client(ep: FakeEndpoint, extra: { apiKey?: string; timeout?: number } = {}): OpenAI {
  return new OpenAI({ baseURL: ep.url, apiKey: extra.apiKey ?? 'x', maxRetries: 0, timeout: extra.timeout ?? 5000 });
}

function ask(oa: OpenAI, text: string, model = 'demo-model'): Promise<OpenAI.Chat.Completions.ChatCompletion> {
  return oa.chat.completions.create({ model, messages: [{ role: 'user', content: text }] });
}

function adminUrl(ep: FakeEndpoint, path: string): string {
  return `http://127.0.0.1:${ep.port}/_fake/${path}`;
}

function postChat(ep: FakeEndpoint, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${ep.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function waitFor(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('chat and completions answers are OpenAI-shaped with deterministic usage', async () => {
  await withEndpoint({}, async (ep) => {
    assert.match(ep.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const oa = client(ep);

    const chat = await oa.chat.completions.create({
      model: 'demo-model',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'what is two plus two' },
      ],
    });
    assert.equal(chat.object, 'chat.completion');
    assert.equal(chat.model, 'demo-model');
    assert.equal(typeof chat.id, 'string');
    assert.equal(typeof chat.created, 'number');
    assert.equal(chat.choices.length, 1);
    const choice = chat.choices[0];
    assert.ok(choice);
    assert.equal(choice.index, 0);
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.message.content, 'answer to what is two plus two');
    assert.equal((choice.message as unknown as Record<string, unknown>).reasoning_content, 'thinking hard here');
    assert.equal(choice.finish_reason, 'stop');
    // prompt: "be brief" + "what is two plus two" = 7 words; completion: 3 reasoning + 7 content words,
    // the 3 reasoning words reported as reasoning tokens the way OpenAI reports them.
    assert.deepEqual(chat.usage, { prompt_tokens: 7, completion_tokens: 10, total_tokens: 17, completion_tokens_details: { reasoning_tokens: 3 } });

    const completion = await oa.completions.create({ model: 'demo-model', prompt: 'once upon a time' });
    assert.equal(completion.object, 'text_completion');
    assert.equal(completion.choices[0]?.text, 'completion of once upon a time');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(completion.usage, { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });

    const models = await oa.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['demo-model'],
    );
  });
});

test('max_tokens truncates to that many words, reasoning first, with finish_reason length', async () => {
  await withEndpoint({}, async (ep) => {
    const oa = client(ep);
    const short = await oa.chat.completions.create({
      model: 'demo-model',
      messages: [{ role: 'user', content: 'tell me everything' }],
      max_tokens: 5,
    });
    const choice = short.choices[0];
    assert.ok(choice);
    assert.equal(choice.finish_reason, 'length');
    assert.equal((choice.message as unknown as Record<string, unknown>).reasoning_content, 'thinking hard here');
    assert.equal(choice.message.content, 'answer to');
    assert.equal(short.usage?.completion_tokens, 5);

    const roomy = await oa.chat.completions.create({
      model: 'demo-model',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 100,
    });
    assert.equal(roomy.choices[0]?.finish_reason, 'stop');
    assert.equal(roomy.choices[0]?.message.content, 'answer to hi');
  });
});

test('an unknown model is a 404 like OpenAI', async () => {
  await withEndpoint({ models: ['m1', 'm2'] }, async (ep) => {
    const oa = client(ep);
    assert.equal((await ask(oa, 'hi', 'm2')).choices[0]?.message.content, 'answer to hi');
    await assert.rejects(ask(oa, 'hi', 'demo-model'), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.equal(err.status, 404);
      assert.equal(err.code, 'model_not_found');
      return true;
    });
  });
});

test('with apiKey set, a wrong or missing Bearer token is a 401', async () => {
  await withEndpoint({ apiKey: 'secret' }, async (ep) => {
    assert.equal((await ask(client(ep, { apiKey: 'secret' }), 'hi')).choices[0]?.message.content, 'answer to hi');
    await assert.rejects(ask(client(ep, { apiKey: 'wrong' }), 'hi'), (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'invalid_api_key');
      return true;
    });
    const missing = await postChat(ep, { model: 'demo-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(missing.status, 401);
    const body = (await missing.json()) as { error: { message: string; type: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.ok(body.error.message.length > 0);
  });
});

test('HTTP fault kinds surface as the matching SDK error classes, in OpenAI error shape', async () => {
  const cases: Array<[FaultKind, number, new (...args: never[]) => Error]> = [
    ['400', 400, OpenAI.BadRequestError],
    ['401', 401, OpenAI.AuthenticationError],
    ['403', 403, OpenAI.PermissionDeniedError],
    ['404', 404, OpenAI.NotFoundError],
    ['429', 429, OpenAI.RateLimitError],
    ['500', 500, OpenAI.InternalServerError],
    ['503', 503, OpenAI.InternalServerError],
  ];
  await withEndpoint({}, async (ep) => {
    const oa = client(ep);
    for (const [kind, status, errorClass] of cases) {
      ep.setFaults([{ kind }]);
      await assert.rejects(ask(oa, 'hi'), (err: unknown) => {
        assert.ok(err instanceof errorClass, `${kind}: got ${String(err)}`);
        assert.ok(err instanceof OpenAI.APIError);
        assert.equal(err.status, status);
        assert.equal(typeof err.type, 'string');
        return true;
      });
      const raw = await postChat(ep, { model: 'demo-model', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(raw.status, status);
      const body = (await raw.json()) as { error: Record<string, unknown> };
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'type']);
    }
    ep.setFaults([]);
    assert.equal((await ask(oa, 'hi')).choices[0]?.message.content, 'answer to hi');
    const stats = ep.stats();
    for (const [kind] of cases) assert.equal(stats.faults[kind], 2, kind);
    assert.equal(stats.succeeded, 1);
    assert.equal(stats.requests, cases.length * 2 + 1);
  });
});

test('429 and 503 carry Retry-After only when the rule sets it', async () => {
  await withEndpoint({}, async (ep) => {
    const oa = client(ep);
    ep.setFaults([
      { kind: '429', count: 1, retryAfter: 7 },
      { kind: '503', count: 1, retryAfter: 3 },
      { kind: '429', count: 1 },
    ]);
    const seen: Array<[number | undefined, string | null | undefined]> = [];
    for (let i = 0; i < 3; i++) {
      await assert.rejects(ask(oa, 'hi'), (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError);
        seen.push([err.status, err.headers?.get('retry-after')]);
        return true;
      });
    }
    assert.deepEqual(seen, [
      [429, '7'],
      [503, '3'],
      [429, null],
    ]);
  });
});

test('hang: the client times out; malformed, truncated and reset bodies fail as the SDK reports them', async () => {
  await withEndpoint({}, async (ep) => {
    const oa = client(ep, { timeout: 200 });

    ep.setFaults([{ kind: 'hang', count: 1 }]);
    const started = Date.now();
    await assert.rejects(ask(oa, 'hi'), OpenAI.APIConnectionTimeoutError);
    assert.ok(Date.now() - started < 2000);

    ep.setFaults([{ kind: 'malformed', count: 1 }]);
    await assert.rejects(ask(oa, 'hi'), (err: unknown) => {
      assert.ok(err instanceof SyntaxError, `malformed: got ${String(err)}`);
      return true;
    });

    ep.setFaults([{ kind: 'truncated', count: 1 }]);
    await assert.rejects(ask(oa, 'hi'), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(!(err instanceof OpenAI.APIError), `truncated must not look like an HTTP error: ${String(err)}`);
      return true;
    });

    ep.setFaults([{ kind: 'reset', count: 1 }]);
    await assert.rejects(ask(oa, 'hi'), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIConnectionError, `reset: got ${String(err)}`);
      assert.ok(!(err instanceof OpenAI.APIConnectionTimeoutError));
      return true;
    });

    // Raw view of the two 200-status faults.
    ep.setFaults([{ kind: 'malformed', count: 1 }, { kind: 'truncated', count: 1 }]);
    const malformed = await postChat(ep, { model: 'demo-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(malformed.status, 200);
    await assert.rejects(malformed.json(), SyntaxError);
    const truncated = await postChat(ep, { model: 'demo-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(truncated.status, 200);
    assert.ok(Number(truncated.headers.get('content-length')) > 0);
    await assert.rejects(truncated.text());

    assert.equal((await ask(oa, 'hi')).choices[0]?.message.content, 'answer to hi');
    const stats = ep.stats();
    assert.deepEqual(
      [stats.faults.hang, stats.faults.malformed, stats.faults.truncated, stats.faults.reset, stats.succeeded],
      [1, 2, 2, 1, 1],
    );
  });
});

test('count rules fire exactly N times, and match restricts them to the last user message', async () => {
  await withEndpoint({}, async (ep) => {
    const oa = client(ep);
    ep.setFaults([
      { kind: '500', count: 3 },
      { kind: '403', match: 'forbidden' },
    ]);
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      outcomes.push(
        await ask(oa, `q${i}`).then(
          () => 'ok',
          (err: unknown) => String(err instanceof OpenAI.APIError ? err.status : err),
        ),
      );
    }
    assert.deepEqual(outcomes, ['500', '500', '500', 'ok', 'ok', 'ok']);

    await assert.rejects(ask(oa, 'this is forbidden text'), OpenAI.PermissionDeniedError);
    // Only the *last user* message is matched.
    const earlier = await oa.chat.completions.create({
      model: 'demo-model',
      messages: [
        { role: 'user', content: 'forbidden' },
        { role: 'assistant', content: 'forbidden' },
        { role: 'user', content: 'allowed' },
      ],
    });
    assert.equal(earlier.choices[0]?.message.content, 'answer to allowed');
    assert.equal(ep.stats().faults['500'], 3);
    assert.equal(ep.stats().faults['403'], 1);
  });
});

test('rate rules with the same seed give the same faults on two servers', async () => {
  const pattern = async (ep: FakeEndpoint): Promise<string> => {
    const oa = client(ep);
    let out = '';
    for (let i = 0; i < 40; i++) {
      out += await ask(oa, `q${i}`).then(
        () => '.',
        () => 'X',
      );
    }
    return out;
  };
  const rules = [{ kind: '503' as const, rate: 0.5 }];
  await withEndpoint({ seed: 42 }, async (a) => {
    await withEndpoint({ seed: 42 }, async (b) => {
      a.setFaults(rules);
      b.setFaults(rules);
      const first = await pattern(a);
      assert.equal(await pattern(b), first);
      assert.match(first, /X/);
      assert.match(first, /\./);
      // setFaults re-seeds, so the same rules replay the same sequence.
      a.setFaults(rules);
      assert.equal(await pattern(a), first);
      assert.equal(a.stats().faults['503'], 2 * (first.match(/X/g) ?? []).length);
    });
  });
});

test('stats count successful responses per canonical payload hash', async () => {
  assert.equal(payloadHash({ a: 1, b: { c: [1, { e: 2, d: 3 }] } }), payloadHash({ b: { c: [1, { d: 3, e: 2 }] }, a: 1 }));
  assert.notEqual(payloadHash({ a: [1, 2] }), payloadHash({ a: [2, 1] }));
  assert.match(payloadHash({}), /^[0-9a-f]{64}$/);

  await withEndpoint({}, async (ep) => {
    const p1 = { model: 'demo-model', messages: [{ role: 'user', content: 'one' }], temperature: 0 };
    const p1Reordered = { temperature: 0, messages: [{ content: 'one', role: 'user' }], model: 'demo-model' };
    const p2 = { model: 'demo-model', messages: [{ role: 'user', content: 'two' }] };
    assert.equal((await postChat(ep, p1)).status, 200);
    assert.equal((await postChat(ep, p1Reordered)).status, 200);
    ep.setFaults([{ kind: '500', count: 1 }]);
    assert.equal((await postChat(ep, p2)).status, 500);
    assert.equal((await postChat(ep, p2)).status, 200);
    assert.equal((await postChat(ep, { model: 'nope', messages: [] })).status, 404);

    const stats = ep.stats();
    assert.deepEqual(stats.servedByPayload, { [payloadHash(p1)]: 2, [payloadHash(p2)]: 1 });
    assert.equal(stats.requests, 5);
    assert.equal(stats.succeeded, 3);
    assert.equal(stats.faults['500'], 1);
    assert.equal(stats.inFlight, 0);
    assert.equal(stats.maxInFlight, 1);

    ep.resetStats();
    const cleared = ep.stats();
    assert.deepEqual(cleared.servedByPayload, {});
    assert.equal(cleared.requests, 0);
    assert.equal(cleared.faults['500'], 0);
  });
});

test('close() returns promptly while a request hangs', async () => {
  const ep = await startFakeEndpoint({ answer: echoAnswer });
  ep.setFaults([{ kind: 'hang' }]);
  const hung = postChat(ep, { model: 'demo-model', messages: [{ role: 'user', content: 'hi' }] });
  const outcome = hung.then(
    () => 'answered',
    () => 'failed',
  );
  await waitFor(() => ep.stats().inFlight === 1, 'the request to hang');
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    ep.close().then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 1000);
    }),
  ]);
  clearTimeout(timer);
  assert.ok(closed, 'close() did not return within 1 s while a request hung');
  assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
  assert.equal(await outcome, 'failed');
});

test('admin API sets faults, reports and resets stats over HTTP', async () => {
  await withEndpoint({}, async (ep) => {
    const oa = client(ep);
    const set = await fetch(adminUrl(ep, 'faults'), {
      method: 'POST',
      body: JSON.stringify([{ kind: '429', count: 2, retryAfter: 1 }]),
    });
    assert.equal(set.status, 200);
    await assert.rejects(ask(oa, 'a'), OpenAI.RateLimitError);
    await assert.rejects(ask(oa, 'b'), OpenAI.RateLimitError);
    await ask(oa, 'c');

    const stats = (await (await fetch(adminUrl(ep, 'stats'))).json()) as {
      requests: number;
      succeeded: number;
      faults: Record<string, number>;
      servedByPayload: Record<string, number>;
    };
    assert.equal(stats.requests, 3);
    assert.equal(stats.succeeded, 1);
    assert.equal(stats.faults['429'], 2);
    assert.equal(Object.keys(stats.servedByPayload).length, 1);

    assert.equal((await fetch(adminUrl(ep, 'reset'), { method: 'POST' })).status, 200);
    assert.equal(ep.stats().requests, 0);

    const bad = await fetch(adminUrl(ep, 'faults'), { method: 'POST', body: JSON.stringify([{ kind: 'explode' }]) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /kind must be one of/);
    const notArray = await fetch(adminUrl(ep, 'faults'), { method: 'POST', body: '{"kind":"500"}' });
    assert.equal(notArray.status, 400);

    assert.equal((await fetch(adminUrl(ep, 'faults'), { method: 'POST', body: '[]' })).status, 200);
    assert.equal((await ask(oa, 'd')).choices[0]?.message.content, 'answer to d');
  });
});

test('maxConcurrency queues requests above the cap', async () => {
  await withEndpoint({ maxConcurrency: 3, latencyMs: 40 }, async (ep) => {
    const oa = client(ep);
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(oa, `q${i}`)));
    const elapsed = Date.now() - started;
    assert.deepEqual(
      replies.map((r) => r.choices[0]?.message.content),
      Array.from({ length: 20 }, (_, i) => `answer to q${i}`),
    );
    const stats = ep.stats();
    assert.equal(stats.maxInFlight, 3);
    assert.equal(stats.inFlight, 0);
    assert.equal(stats.succeeded, 20);
    // 20 requests, 3 at a time, 40 ms each: at least 7 rounds.
    assert.ok(elapsed >= 6 * 40, `finished too fast for the cap: ${elapsed} ms`);
  });
  await withEndpoint({ latencyMs: (req) => (req.messages?.[0]?.content === 'slow' ? 60 : 0) }, async (ep) => {
    const oa = client(ep);
    await Promise.all(Array.from({ length: 10 }, () => ask(oa, 'slow')));
    assert.equal(ep.stats().maxInFlight, 10, 'without a cap, all requests run at once');
  });
});
