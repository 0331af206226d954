/**
 * Serving benchmark. Three sections, each against the service running as its own child process
 * (`node services/serving/dist/src/main.js`); the load generator is this process. Prints tables;
 * asserts nothing.
 *
 * serving — SmolLM2-135M-Instruct (DISTILLERY_SERVING_BASE=smollm2-135m) on a real engine, through
 *   the OpenAI HTTP API: streamed chat completions of short, varied chat prompts, each decoding
 *   exactly --max-tokens tokens (ignore_eos), at each --concurrency level. Per level: requests/s,
 *   output tokens/s, TTFT (request sent → first content chunk), TPOT ((last content chunk − first)
 *   / (completion tokens − 1)) and end to end (request sent → stream ended), p50 and p90.
 * agents — the agents service (its own child process, `node services/agents/dist/src/main.js`) on
 *   its `serving` backend, every agent call going to the serving service's SmolLM2: --agent-turns
 *   customer turns over the agents' gRPC API, --agent-concurrency sessions at a time. Agent
 *   turns/s, turn latency p50/p90, and the share of turns that ended in the fallback hand-off
 *   (the packaged base was never trained on the agents' formats: expect many).
 * gateway — the service in gateway mode (DISTILLERY_SERVING_UPSTREAM) in front of a fake upstream
 *   in this process that answers every streamed chat completion with --gateway-chunks chunks at
 *   once: sequential requests through the gateway and directly to the upstream, interleaved; the
 *   overhead is a gateway percentile minus the same direct percentile. Goal: p99 overhead < 2 ms.
 *
 *   npm run build && npm run bench:serving
 *   npm run bench:serving -- --sections gateway --gateway-requests 5000
 *   npm run bench:serving -- --concurrency 1,8 --requests 16 --max-tokens 32
 *
 * Options: --sections serving,agents,gateway; --agent-turns 16; --agent-concurrency 4; --concurrency 1,8,32; --requests (per level, default
 * max(16, 4 × concurrency)); --max-tokens 64; --data-dir .distillery/bench/serving (the engine's
 * service; the base is imported there once, ~15 s; the gateway's service uses <data-dir>/gateway);
 * --gateway-requests 2000; --gateway-warmup 200; --gateway-chunks 16. The engine's device follows
 * DISTILLERY_SERVING_DEVICE (auto). Needs the compute plane (bash compute/bootstrap.sh) for serving.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { computePython } from '@distillery/compute';
import { AgentsClient } from '@distillery/proto';
import { freePort } from '@distillery/service-kit';

const { values: flags } = parseArgs({
  options: {
    sections: { type: 'string', default: 'serving,agents,gateway' },
    'agent-turns': { type: 'string', default: '16' },
    'agent-concurrency': { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '1,8,32' },
    requests: { type: 'string' },
    'max-tokens': { type: 'string', default: '64' },
    'data-dir': { type: 'string', default: '.distillery/bench/serving' },
    'gateway-requests': { type: 'string', default: '2000' },
    'gateway-warmup': { type: 'string', default: '200' },
    'gateway-chunks': { type: 'string', default: '16' },
  },
});

function positiveInt(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`serving bench: --${flag} expects a positive integer, got "${text}"`);
  return value;
}

const sections = new Set(flags.sections.split(','));
for (const section of sections) if (!['serving', 'agents', 'gateway'].includes(section)) throw new Error(`serving bench: --sections takes serving, agents and/or gateway, got "${section}"`);
const levels = flags.concurrency.split(',').map((text) => positiveInt('concurrency', text));
const maxTokens = positiveInt('max-tokens', flags['max-tokens']);
const dataDir = resolve(flags['data-dir']);
const gatewayRequests = positiveInt('gateway-requests', flags['gateway-requests']);
const gatewayWarmup = positiveInt('gateway-warmup', flags['gateway-warmup']);
const gatewayChunks = positiveInt('gateway-chunks', flags['gateway-chunks']);
const requestsAt = (concurrency: number) => (flags.requests ? positiveInt('requests', flags.requests) : Math.max(16, 4 * concurrency));

const BASE = 'smollm2-135m';
const UPSTREAM_MODEL = 'fake-upstream';
const API_KEY = 'dev-key';
const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
/** The agents service's own entry point: it runs as a process of its own, as it is deployed. */
const AGENTS_MAIN = fileURLToPath(new URL('../../../agents/dist/src/main.js', import.meta.url));
const SYSTEM = 'You are a helpful assistant at a car dealership. Answer briefly.';
const PROMPTS = [
  'What are your opening hours on Saturday?',
  'Can I book a test drive for the hybrid SUV tomorrow afternoon?',
  'How does leasing differ from financing a car?',
  'Do you take trade-ins? I have a 2015 hatchback with 90,000 miles.',
  'Which of your family cars has the most trunk space?',
  'Is the electric sedan eligible for any tax credit?',
  'My check-engine light came on. Should I bring the car in?',
  'What is included in the extended warranty?',
  'Can you compare the fuel economy of the compact and the midsize models?',
  'I need a car for a long commute. What would you recommend?',
  'How long does a standard oil change take at your service center?',
  'Do you have any used pickups under $25,000?',
];

const progress = (line: string) => process.stderr.write(`serving bench: ${line}\n`);
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '–');
const sleep = (millis: number) => new Promise((done) => setTimeout(done, millis));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

// The service children: stopped with SIGTERM (the service drains and stops its engine processes) whatever way this process ends.
const children = new Set<ChildProcess>();

async function startService(name: string, env: Record<string, string>, ready: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DISTILLERY_LOG_LEVEL: 'warn', DISTILLERY_HTTP_PORT: String(port), DISTILLERY_SERVING_GRPC_PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`serving bench: the ${name} service exited (${signal ?? `code ${code}`}) before serving ${ready}`))));
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const serving = async () => {
    for (let polls = 0; children.has(child); polls++) {
      const response = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${API_KEY}` } }).catch(() => undefined);
      const body = response?.ok ? ((await response.json()) as { data: Array<{ id: string }> }) : undefined;
      if (body?.data.some((model) => model.id === ready)) return;
      if (polls % 20 === 19) progress(`${name}: waiting for /v1/models to list ${ready} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      if (performance.now() - started > 600_000) throw new Error(`serving bench: the ${name} service did not serve ${ready} within 10 minutes`);
      await sleep(500);
    }
  };
  exited.catch(() => undefined); // observed by the race below; after it, an exit is reported by the requests that fail
  await Promise.race([serving(), exited]);
  progress(`${name}: serving ${ready} at ${url} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { url, child };
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

const stopAll = () => Promise.all([...children].map(stopService));
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(signal, () => void stopAll().finally(() => process.exit(code)));
process.once('exit', () => children.forEach((child) => child.kill('SIGTERM')));

interface StreamTiming {
  readonly ttftMs: number;
  readonly tpotMs: number;
  readonly e2eMs: number;
  readonly tokens: number;
}

interface StreamChunk {
  readonly choices?: ReadonlyArray<{ readonly delta?: { readonly content?: string | null } }>;
  readonly usage?: { readonly completion_tokens: number } | null;
  readonly error?: { readonly message: string };
}

/** One streamed chat completion, read event by event as a client would; timed from the request's start. */
async function streamChat(baseUrl: string, body: Record<string, unknown>): Promise<StreamTiming> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
  });
  if (!response.ok || !response.body) throw new Error(`POST ${baseUrl}/v1/chat/completions answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let first: number | undefined;
  let last = Number.NaN;
  let tokens = 0;
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const data = buffer.slice(0, end).replace(/^data: /, '');
      buffer = buffer.slice(end + 2);
      if (data === '[DONE]') continue;
      const chunk = JSON.parse(data) as StreamChunk;
      if (chunk.error) throw new Error(`the stream ended in an error: ${chunk.error.message}`);
      if (chunk.choices?.[0]?.delta?.content) {
        last = performance.now();
        first ??= last;
      }
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
  }
  const ended = performance.now();
  if (first === undefined) throw new Error('the stream held no content');
  return { ttftMs: first - started, tpotMs: tokens > 1 ? (last - first) / (tokens - 1) : Number.NaN, e2eMs: ended - started, tokens };
}

const chatBody = (index: number) => ({
  model: BASE,
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: PROMPTS[index % PROMPTS.length]! },
  ],
  max_tokens: maxTokens,
  ignore_eos: true,
  temperature: 0.7,
  seed: index,
});

/** `requests` completions, `concurrency` at a time. */
async function runLevel(url: string, concurrency: number, requests: number, label = `concurrency ${concurrency}`) {
  const timings: StreamTiming[] = [];
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let index = next++; index < requests; index = next++) {
      try {
        timings.push(await streamChat(url, chatBody(index)));
      } catch (error) {
        failures.push(String(error));
      }
      const done = timings.length + failures.length;
      if (done % Math.max(1, Math.ceil(requests / 4)) === 0) progress(`${label}: ${done}/${requests} requests`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { timings, failures, seconds: (performance.now() - started) / 1000 };
}

async function servingSection(): Promise<string> {
  if (!computePython()) throw new Error('serving bench: the serving section needs the compute plane (bash compute/bootstrap.sh, or DISTILLERY_COMPUTE_PYTHON); run --sections gateway without it');
  const most = String(Math.max(...levels));
  progress(`starting the serving service on ${BASE} (data dir ${dataDir}; the first run imports the base)`);
  const { url, child } = await startService('serving', { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_SERVING_BASE: BASE, DISTILLERY_SERVING_MAX_RUNNING: most, DISTILLERY_SERVING_MAX_QUEUED: most }, BASE);
  try {
    await runLevel(url, 2, 2, 'warm-up');
    const rows: Array<Array<string | number>> = [];
    let best = { concurrency: 0, tokensPerSecond: 0 };
    for (const concurrency of levels) {
      const { timings, failures, seconds } = await runLevel(url, concurrency, requestsAt(concurrency));
      if (failures.length) progress(`concurrency ${concurrency}: ${failures.length} failed, the first: ${failures[0]}`);
      const tokens = timings.reduce((sum, timing) => sum + timing.tokens, 0);
      const short = timings.filter((timing) => timing.tokens !== maxTokens).length;
      if (tokens / seconds > best.tokensPerSecond) best = { concurrency, tokensPerSecond: tokens / seconds };
      const [ttft, tpot, e2e] = [timings.map((t) => t.ttftMs), timings.map((t) => t.tpotMs).filter(Number.isFinite), timings.map((t) => t.e2eMs)];
      rows.push([concurrency, timings.length, failures.length + short, (timings.length / seconds).toFixed(2), (tokens / seconds).toFixed(1), ...[ttft, tpot, e2e].flatMap((values) => [ms(percentile(values, 50)), ms(percentile(values, 90))])]);
    }
    process.stdout.write(`\nserving benchmark — ${BASE} on one engine (device ${process.env.DISTILLERY_SERVING_DEVICE ?? 'auto'}), OpenAI HTTP API, streamed chat completions of ${maxTokens} tokens (ignore_eos), ${cpus().length} cores\n\n`);
    process.stdout.write(
      `${table(['concurrency', 'requests', 'failed or short', 'req/s', 'output tok/s', 'TTFT p50 ms', 'TTFT p90 ms', 'TPOT p50 ms', 'TPOT p90 ms', 'e2e p50 ms', 'e2e p90 ms'], rows)}\n`,
    );
    process.stdout.write('\nTTFT: request sent → first content chunk; TPOT: (last content chunk − first) / (completion tokens − 1); e2e: request sent → stream ended. Short: fewer completion tokens than asked for.\n');
    return `serving: best ${best.tokensPerSecond.toFixed(1)} output tok/s at concurrency ${best.concurrency}`;
  } finally {
    await stopService(child);
  }
}

/** What customers say in the agents section: the scripted regressions' kind of first turns. */
const CUSTOMER_TURNS = [
  'Hi, do you have any red SUVs under 30,000?',
  'What are your opening hours on Saturday?',
  'I would like to book a test drive for a hybrid next week.',
  'How much would I get for my 2015 Civic as a trade-in?',
  'Can you estimate a monthly payment on a 25,000 car over 48 months?',
  'Show me electric cars with less than 20,000 miles.',
];

async function agentsSection(): Promise<string> {
  if (!computePython()) throw new Error('serving bench: the agents section needs the compute plane (bash compute/bootstrap.sh)');
  const turns = positiveInt('agent-turns', flags['agent-turns']);
  const concurrency = positiveInt('agent-concurrency', flags['agent-concurrency']);
  const { url, child } = await startService('serving', { DISTILLERY_DATA_DIR: dataDir, DISTILLERY_SERVING_BASE: BASE }, BASE);
  const grpcPort = await freePort();
  const agents = spawn(process.execPath, [AGENTS_MAIN], {
    env: {
      ...process.env,
      DISTILLERY_LOG_LEVEL: 'warn',
      DISTILLERY_DATA_DIR: join(dataDir, 'agents'),
      DISTILLERY_HTTP_PORT: String(await freePort()),
      DISTILLERY_AGENTS_GRPC_PORT: String(grpcPort),
      DISTILLERY_AGENTS_BACKEND: 'serving',
      DISTILLERY_SERVING_URL: `${url}/v1`,
      DISTILLERY_SERVING_MODEL: BASE,
      DISTILLERY_AGENTS_PROMPT_PROFILE: 'compact',
      DISTILLERY_AGENTS_RATE_PER_MINUTE: '100000',
      DISTILLERY_AGENTS_RATE_BURST: '10000',
      // Several agents' calls of up to 512 tokens share one CPU engine: one can take minutes.
      DISTILLERY_OPENAI_TIMEOUT_MS: '600000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.add(agents);
  agents.once('exit', () => children.delete(agents));
  const client = new AgentsClient({ address: `127.0.0.1:${grpcPort}`, apiKey: API_KEY, timeoutMs: 600_000 });
  try {
    for (let attempt = 0; ; attempt++) {
      const up = await client.createSession({ customerRef: 'bench-probe', locale: 'en-US', source: 'SIMULATION' }).then(() => true, () => false);
      if (up) break;
      if (attempt > 240 || !children.has(agents)) throw new Error('serving bench: the agents service did not come up within 2 minutes');
      await sleep(500);
    }
    const latencies: number[] = [];
    let fallbacks = 0;
    let failures = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        const open = () => client.createSession({ customerRef: `bench-${worker}`, locale: 'en-US', source: 'SIMULATION' });
        let session = await open();
        for (let index = next++; index < turns; index = next++) {
          const turnStarted = performance.now();
          try {
            const answer = await client.sendMessage({ sessionId: session.sessionId, text: CUSTOMER_TURNS[index % CUSTOMER_TURNS.length]! });
            latencies.push(performance.now() - turnStarted);
            if (answer.reply.startsWith("I'm sorry, I couldn't complete that request.")) fallbacks++;
            if (answer.ended) session = await open(); // a hand-off ends the session: the customer starts another
          } catch (error) {
            failures++;
            progress(`agents: a turn failed: ${String(error).slice(0, 200)}`);
          }
          progress(`agents: ${latencies.length + failures}/${turns} turns`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\nagent turns on the serving backend — the agents service (compact prompts) calling ${BASE} on one engine through the OpenAI API, ${concurrency} sessions at a time, ${cpus().length} cores\n\n`);
    process.stdout.write(`${table(['turns', 'failed', 'turns/s', 'turn p50 ms', 'turn p90 ms', 'fallback hand-offs'], [[latencies.length, failures, (latencies.length / seconds).toFixed(3), ms(percentile(latencies, 50)), ms(percentile(latencies, 90)), `${fallbacks} of ${latencies.length}`]])}\n`);
    return `agents: ${(latencies.length / seconds).toFixed(3)} turns/s on the serving backend`;
  } finally {
    client.close();
    await stopService(agents);
    await stopService(child);
  }
}

/** A stand-in OpenAI-compatible server: every streamed chat completion is `chunks` one-token chunks, the usage and [DONE], written at once. */
async function startFakeUpstream(chunks: number): Promise<{ server: Server; url: string }> {
  const created = Math.floor(Date.now() / 1000);
  const event = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
  const chunk = (delta: Record<string, string>, finish: string | null) => event({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created, model: UPSTREAM_MODEL, choices: [{ index: 0, delta, finish_reason: finish }] });
  const stream = [
    ...Array.from({ length: chunks }, (_, index) => chunk(index === 0 ? { role: 'assistant', content: 'tok ' } : { content: 'tok ' }, index === chunks - 1 ? 'length' : null)),
    event({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created, model: UPSTREAM_MODEL, choices: [], usage: { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks } }),
    'data: [DONE]\n\n',
  ];
  const models = JSON.stringify({ object: 'list', data: [{ id: UPSTREAM_MODEL, object: 'model', created, owned_by: 'bench' }] });
  const server = createServer((request, response) => {
    request.resume();
    request.once('end', () => {
      if (request.method === 'GET' && request.url === '/v1/models') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(models);
      } else if (request.method === 'POST' && request.url === '/v1/chat/completions') {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        for (const part of stream) response.write(part);
        response.end();
      } else {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${request.method} ${request.url}` } }));
      }
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('serving bench: the fake upstream has no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

async function gatewaySection(): Promise<string> {
  const upstream = await startFakeUpstream(gatewayChunks);
  try {
    progress(`fake upstream at ${upstream.url}; starting the serving service in gateway mode`);
    const gateway = await startService('gateway', { DISTILLERY_DATA_DIR: join(dataDir, 'gateway'), DISTILLERY_SERVING_UPSTREAM: `${upstream.url}/v1` }, UPSTREAM_MODEL);
    const body = (index: number) => ({ model: UPSTREAM_MODEL, messages: [{ role: 'user', content: PROMPTS[index % PROMPTS.length]! }], max_tokens: gatewayChunks });
    const through: number[] = [];
    const direct: number[] = [];
    // Interleaved, the order swapped every pair, so that drift and warm connections favour neither path.
    for (let index = 0; index < gatewayWarmup + gatewayRequests; index++) {
      const order = index % 2 ? [upstream.url, gateway.url] : [gateway.url, upstream.url];
      for (const url of order) {
        const { e2eMs } = await streamChat(url, body(index));
        if (index >= gatewayWarmup) (url === gateway.url ? through : direct).push(e2eMs);
      }
      if ((index + 1) % 500 === 0) progress(`gateway: ${index + 1}/${gatewayWarmup + gatewayRequests} request pairs (the first ${gatewayWarmup} warm-up)`);
    }
    const overhead = (p: number) => percentile(through, p) - percentile(direct, p);
    const holds = overhead(99) < 2;
    process.stdout.write(`\ngateway overhead — streamed chat completions of ${gatewayChunks} chunks from an instant fake upstream, ${gatewayRequests} sequential requests each way after ${gatewayWarmup} warm-up, ${cpus().length} cores\n\n`);
    process.stdout.write(
      `${table(
        ['path', 'requests', 'p50 ms', 'p90 ms', 'p99 ms'],
        [
          ['direct to the upstream', direct.length, ...[50, 90, 99].map((p) => ms(percentile(direct, p)))],
          ['through the gateway', through.length, ...[50, 90, 99].map((p) => ms(percentile(through, p)))],
          ['overhead (gateway − direct)', '', ...[50, 90, 99].map((p) => ms(overhead(p)))],
        ],
      )}\n`,
    );
    process.stdout.write(`\noverhead = a percentile through the gateway minus the same percentile direct (request sent → stream ended, both read by this process). Goal p99 < 2 ms: ${holds ? 'holds' : 'does not hold'}.\n`);
    return `gateway: overhead p50 ${ms(overhead(50))} ms, p99 ${ms(overhead(99))} ms (goal < 2 ms: ${holds ? 'holds' : 'does not hold'})`;
  } finally {
    await stopAll();
    await new Promise((closed) => upstream.server.close(closed));
  }
}

async function main(): Promise<void> {
  const summary: string[] = [];
  if (sections.has('serving')) summary.push(await servingSection());
  if (sections.has('agents')) summary.push(await agentsSection());
  if (sections.has('gateway')) summary.push(await gatewaySection());
  process.stdout.write(`\nsummary\n${summary.map((line) => `  ${line}`).join('\n')}\n`);
}

await main().catch(async (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await stopAll();
  process.exitCode = 1;
});
