/**
 * Table 1's teacher rows (compute/bench/table1.py --teacher-json): the reference teacher and, with
 * --openai-url, an OpenAI-compatible teacher, timed per agent call on the same calls as the student:
 * the first --limit rows with distinct prompts of the curator's eval.jsonl, in file order (table1.py
 * selects the same and checks the ids), --concurrency calls in flight (a closed loop), each call the
 * recorded transcript parsed back into messages and answered greedily within the smaller of the
 * agent's budget and --max-tokens, as the agents' pipeline calls a model. The reference teacher runs
 * without mistakes (the judge's oracle); every call is played once untimed first (the JIT's warm-up;
 * one call for an endpoint). Prints the JSON table1.py reads; progress to stderr.
 *
 *   npm run build && node services/agents/dist/bench/teacher-calls-bench.js --prompts eval.jsonl \
 *       --limit 24 --concurrency 4 --max-tokens 128 [--openai-url URL --openai-model NAME] > teacher.json
 *
 * The endpoint's API key, if it needs one: env DISTILLERY_OPENAI_API_KEY.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AGENT_MAX_TOKENS, type AgentRole } from '@distillery/dealership';
import { type ModelPort, OpenAiModel, parseTranscript } from '@distillery/llm';
import { referenceTeacher } from '@distillery/reference-teacher';

interface AgentCall {
  readonly id: string;
  readonly agent: AgentRole;
  readonly prompt: string;
}

interface TimedCall {
  readonly id: string;
  readonly agent: string;
  readonly seconds: number;
  readonly output: string;
}

/** The first `limit` eval rows with distinct prompts, in file order (table1.py's read_calls). */
function readCalls(path: string, limit: number): AgentCall[] {
  const calls: AgentCall[] = [];
  const seen = new Set<string>();
  for (const [index, line] of readFileSync(path, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as Record<string, unknown>;
    if (typeof row.id !== 'string' || typeof row.agent !== 'string' || typeof row.prompt !== 'string') {
      throw new Error(`${path}:${index + 1}: an eval row needs string id, agent and prompt`);
    }
    if (seen.has(row.prompt)) continue;
    seen.add(row.prompt);
    calls.push({ id: row.id, agent: row.agent as AgentRole, prompt: row.prompt });
    if (calls.length === limit) break;
  }
  return calls;
}

async function answer(model: ModelPort, call: AgentCall, maxTokens: number): Promise<string> {
  const messages = parseTranscript(call.prompt);
  if (!messages) throw new Error(`${call.id}: the prompt is not a role-marker transcript`);
  const budget = Math.min(AGENT_MAX_TOKENS[call.agent] ?? maxTokens, maxTokens);
  return (await model.complete({ role: call.agent, messages, maxTokens: budget, temperature: 0 })).text;
}

/** Every call with at most `concurrency` in flight; per call its latency and output, and the wall time. */
async function drive(model: ModelPort, calls: readonly AgentCall[], concurrency: number, maxTokens: number): Promise<{ calls: TimedCall[]; wallSeconds: number }> {
  const timed: TimedCall[] = [];
  let next = 0;
  const began = performance.now();
  const worker = async () => {
    while (next < calls.length) {
      const index = next++;
      const call = calls[index]!;
      const sent = performance.now();
      const output = await answer(model, call, maxTokens);
      timed[index] = { id: call.id, agent: call.agent, seconds: (performance.now() - sent) / 1000, output };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
  return { calls: timed, wallSeconds: (performance.now() - began) / 1000 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      prompts: { type: 'string' },
      limit: { type: 'string', default: '24' },
      concurrency: { type: 'string', default: '4' },
      'max-tokens': { type: 'string', default: '128' },
      'openai-url': { type: 'string' },
      'openai-model': { type: 'string' },
    },
  });
  const [limit, concurrency, maxTokens] = [values.limit, values.concurrency, values['max-tokens']].map(Number) as [number, number, number];
  if (!values.prompts) throw new Error('--prompts eval.jsonl is required');
  if (![limit, concurrency, maxTokens].every((n) => Number.isInteger(n) && n >= 1)) throw new Error('--limit, --concurrency and --max-tokens must be whole numbers of at least 1');
  if (values['openai-url'] && !values['openai-model']) throw new Error('--openai-url needs --openai-model');
  const calls = readCalls(values.prompts, limit);
  const teachers: Array<{ name: string; model: ModelPort; warmUp: readonly AgentCall[] }> = [{ name: 'reference', model: referenceTeacher({ seed: 0 }), warmUp: calls }];
  if (values['openai-url']) {
    const apiKey = process.env.DISTILLERY_OPENAI_API_KEY;
    teachers.push({
      name: `openai ${values['openai-model']}`,
      model: new OpenAiModel({ baseUrl: values['openai-url'], model: values['openai-model']!, ...(apiKey ? { apiKey } : {}) }),
      warmUp: calls.slice(0, 1),
    });
  }
  const measured = [];
  const skipped = [];
  for (const { name, model, warmUp } of teachers) {
    try {
      for (const call of warmUp) await answer(model, call, maxTokens);
      const result = await drive(model, calls, concurrency, maxTokens);
      measured.push({ name, backend: model.backend, model: model.model, ...result });
      process.stderr.write(`[teacher-calls] ${name}: ${calls.length} calls in ${result.wallSeconds.toFixed(3)} s\n`);
    } catch (error) {
      skipped.push({ name, reason: String(error) });
      process.stderr.write(`[teacher-calls] ${name}: skipped (${String(error)})\n`);
    }
  }
  process.stdout.write(`${JSON.stringify({ bench: 'teacher-calls', prompts: values.prompts, limit, concurrency, maxTokens, teachers: measured, skipped }, null, 1)}\n`);
}

await main();
