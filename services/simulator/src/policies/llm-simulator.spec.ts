import { type ChatMessage, ModelCallError, OpenAiModel } from '@distillery/llm';
import { type ChatCompletionsServer, chatCompletion, startChatCompletionsServer } from '@distillery/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CampaignRequest, CampaignSpec } from '../campaigns/campaign-spec.js';
import { resolveCampaignSpec } from '../campaigns/resolve-campaign-spec.js';
import { SimulatorOutputError } from '../errors/simulator-output.error.js';
import type { Persona, PlannedSwitch } from '../persona/persona.js';
import { PersonaGenerator } from '../persona/persona-generator.js';
import { mixSeed } from '../persona/seeded.js';
import { LlmCustomer, llmSimulator } from './llm-simulator.js';
import type { SimulatorAction } from './user-simulator.js';

const NUDGE = '(Write your next message to the assistant, or EXIT with the reason if you are done.)';
const VIN = '2T1BURHE5JC123456';

const specOf = (request: Partial<CampaignRequest> = {}): CampaignSpec =>
  resolveCampaignSpec({ campaignId: 'llm-campaign', count: 50, seed: 5, policy: 'llm', llm: { temperature: 0.3, maxTokens: 120 }, ...request }, { policy: 'reference', dealershipSeed: 11 });

const personaOf = (spec: CampaignSpec, index: number, overrides: Partial<Persona> = {}): Persona => ({ ...new PersonaGenerator(spec).persona(index), ...overrides });

const messagesOf = (request: Record<string, unknown> | undefined) => (request?.messages ?? []) as ChatMessage[];

/** The simulator as the llm policy runs it: the real openai adapter against a real local OpenAI-compatible server. */
describe('LlmCustomer over the openai adapter and a local chat-completions server', () => {
  let server: ChatCompletionsServer;
  let model: OpenAiModel;
  let answers: string[];

  beforeAll(async () => {
    server = await startChatCompletionsServer();
    model = new OpenAiModel({ baseUrl: server.baseUrl, model: 'sim-model', retries: 0 });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.received.length = 0;
    answers = [];
    // Each request takes the next scripted answer.
    server.handle(() => chatCompletion(answers.shift() ?? 'EXIT'));
  });

  it('sends the model answer as the utterance, the history as the conversation from the customer side, and exits on EXIT', async () => {
    const spec = specOf();
    const persona = personaOf(spec, 3, { switch: undefined });
    answers.push('Customer: "Hi! Do you have any hybrid SUVs under 30k?"', 'Thanks, that is all I needed. EXIT goal_reached');
    const customer = llmSimulator(model).open(persona, spec);
    expect(await customer.next()).toEqual({ kind: 'say', text: 'Hi! Do you have any hybrid SUVs under 30k?' });
    expect(await customer.next({ text: 'I found 2 matching vehicles.', ended: false })).toEqual({ kind: 'exit', reason: 'goal_reached' });
    expect(server.received).toHaveLength(2);
    const [system, opening, customerTurn, agentsTurn] = messagesOf(server.received[1]);
    expect([system?.role, opening, customerTurn, agentsTurn]).toEqual([
      'system',
      { role: 'user', content: '(The chat opens. Write your first message to the assistant.)' },
      { role: 'assistant', content: 'Hi! Do you have any hybrid SUVs under 30k?' },
      { role: 'user', content: 'I found 2 matching vehicles.' },
    ]);
    expect(messagesOf(server.received[0])).toHaveLength(2);
  });

  it('sends the campaign settings and a seed per conversation and turn', async () => {
    const spec = specOf();
    answers.push('hello', 'any SUVs?', 'hello');
    const first = new LlmCustomer(model, personaOf(spec, 3, { switch: undefined }), spec);
    await first.next();
    await first.next({ text: 'Hello! What are you looking for?', ended: false });
    await new LlmCustomer(model, personaOf(spec, 4, { switch: undefined }), spec).next();
    expect(server.received.map((request) => request.seed)).toEqual([mixSeed(5, 3, 1, 0), mixSeed(5, 3, 2, 0), mixSeed(5, 4, 1, 0)]);
    expect(new Set(server.received.map((request) => request.seed)).size).toBe(3);
    expect(server.received[0]).toMatchObject({ model: 'sim-model', temperature: 0.3, max_tokens: 120, stop: ['\n\n'], path: '/v1/chat/completions' });
  });

  it('asks the same requests again when the same conversation is replayed', async () => {
    const spec = specOf();
    const play = async () => {
      answers.push('hi there', 'the second one please');
      const customer = new LlmCustomer(model, personaOf(spec, 7, { switch: undefined }), spec);
      await customer.next();
      await customer.next({ text: `I found 2 matching vehicles, one is VIN ${VIN}.`, ended: false });
    };
    await play();
    const first = server.received.splice(0);
    await play();
    expect(server.received.map(({ messages, seed }) => ({ messages, seed }))).toEqual(first.map(({ messages, seed }) => ({ messages, seed })));
  });

  it('puts the persona, its goal, the intents, the topic and the environment in the system prompt', async () => {
    const spec = specOf({ intentMix: { financing: 1, trade_in: 1 }, environment: { inventory: { bodies: ['suv'], maxPrice: 45_000 } } });
    const persona = personaOf(spec, 1, { switch: undefined });
    answers.push('hello');
    await new LlmCustomer(model, persona, spec).next();
    const system = messagesOf(server.received[0])[0]!;
    expect(system.role).toBe('system');
    for (const part of [`Your goal: ${persona.goal.description}`, persona.name, `customer ${persona.customerRef}`, `What you came in about: ${persona.topic}`, 'bodies: suv', 'costs over $45,000', 'EXIT goal_reached']) {
      expect(system.content).toContain(part);
    }
    expect(system.content).toContain('estimate monthly payments');
    expect(system.content).toContain("appraise the customer's current car");
    expect(system.content).not.toContain('book test drives');
    expect(system.content).not.toMatch(/\{\{\w+\}\}/);
  });

  it('fills a custom prompt template, leaving unknown placeholders', async () => {
    const spec = specOf({ llm: { promptTemplate: 'You are {{persona}}. Goal: {{goal}}. Mood: {{mood}}.' } });
    const persona = personaOf(spec, 2, { switch: undefined });
    answers.push('hello');
    await new LlmCustomer(model, persona, spec).next();
    expect(messagesOf(server.received[0])[0]!.content).toBe(
      `You are ${persona.name} (customer ${persona.customerRef}); credit ${persona.creditTier ?? 'not on file'}; driving licence ${persona.licenceOnFile ? 'on file' : 'not on file'}. Goal: ${persona.goal.description}. Mood: {{mood}}.`,
    );
  });

  it('asks again with a nudge after an empty answer, with the next seed', async () => {
    const spec = specOf();
    answers.push('   ', 'I would like to book a test drive');
    const action = await new LlmCustomer(model, personaOf(spec, 3, { switch: undefined }), spec).next();
    expect(action).toEqual({ kind: 'say', text: 'I would like to book a test drive' });
    expect(server.received).toHaveLength(2);
    expect(messagesOf(server.received[1]).at(-1)).toEqual({ role: 'user', content: NUDGE });
    expect(messagesOf(server.received[0]).map((message) => message.content)).not.toContain(NUDGE);
    expect(server.received.map((request) => request.seed)).toEqual([mixSeed(5, 3, 1, 0), mixSeed(5, 3, 1, 1)]);
  });

  it('fails the conversation with SimulatorOutputError after two empty answers', async () => {
    const spec = specOf();
    answers.push('', '""');
    const failure = new LlmCustomer(model, personaOf(spec, 9, { switch: undefined }), spec).next();
    await expect(failure).rejects.toBeInstanceOf(SimulatorOutputError);
    await expect(failure).rejects.toMatchObject({ conversation: 9 });
    expect(server.received).toHaveLength(2);
  });

  it('reads the exit reason the model names', async () => {
    const spec = specOf();
    const exitOn = async (answer: string): Promise<SimulatorAction> => {
      answers.push(answer);
      return new LlmCustomer(model, personaOf(spec, 1, { switch: undefined }), spec).next();
    };
    expect(await exitOn('EXIT gave_up')).toEqual({ kind: 'exit', reason: 'gave_up' });
    expect(await exitOn('Okay, I will wait for the salesperson.\nEXIT: handed_off')).toEqual({ kind: 'exit', reason: 'handed_off' });
    expect(await exitOn('EXIT')).toEqual({ kind: 'exit', reason: 'goal_reached' });
    expect(await exitOn('Is the EXITING lane open?')).toEqual({ kind: 'say', text: 'Is the EXITING lane open?' });
  });

  it('exits without asking the model when the agents ended the conversation', async () => {
    const spec = specOf();
    const open = async () => {
      answers.push('hi');
      const customer = new LlmCustomer(model, personaOf(spec, 1, { switch: undefined }), spec);
      await customer.next();
      return customer;
    };
    expect(await (await open()).next({ text: 'Thanks for chatting with us. Have a great day!', ended: true })).toEqual({ kind: 'exit', reason: 'goal_reached' });
    expect(await (await open()).next({ text: "I've asked a member of our sales team to contact you (ticket t_1).", ended: true })).toEqual({ kind: 'exit', reason: 'handed_off' });
    expect(server.received).toHaveLength(2);
  });

  it('brings the planned switch at its turn', async () => {
    const spec = specOf();
    const play = async (planned: PlannedSwitch, replies: readonly string[]) => {
      const customer = new LlmCustomer(model, personaOf(spec, 1, { switch: planned }), spec);
      const actions = [await customer.next()];
      for (const reply of replies) actions.push(await customer.next({ text: reply, ended: false }));
      return actions.map((action) => (action.kind === 'say' ? (action.switch ?? null) : action.kind));
    };
    answers.push('a', 'b', 'c', 'd');
    expect(await play({ kind: 'tool_added', tool: 'estimateFinancing', atTurn: 3 }, ['x', 'y', 'z'])).toEqual([
      { kind: 'tool_removed', tool: 'estimateFinancing' },
      null,
      { kind: 'tool_added', tool: 'estimateFinancing' },
      null,
    ]);
    answers.push('a', 'b', 'c');
    expect(await play({ kind: 'rule_change', rule: 'shorter_terms', atTurn: 2 }, ['x', 'y'])).toEqual([null, { kind: 'rule_change', rule: 'shorter_terms' }, null]);
    answers.push('a', 'b', 'c');
    // The vehicle last named in a reply is the one sold.
    expect(await play({ kind: 'vehicle_sold', atTurn: 3 }, [`Here are the details: ... VIN ${VIN}.`, 'Happy to help.'])).toEqual([null, null, { kind: 'vehicle_sold', vin: VIN }]);
    answers.push('a', 'b');
    expect(await play({ kind: 'vehicle_sold', atTurn: 2 }, ['Hello! What are you looking for?'])).toEqual([null, null]);
  });

  it('lets a failing endpoint fail the turn', async () => {
    const spec = specOf();
    server.handle(() => ({ status: 400, body: { error: 'bad request' } }));
    await expect(new LlmCustomer(model, personaOf(spec, 1), spec).next()).rejects.toBeInstanceOf(ModelCallError);
  });
});
