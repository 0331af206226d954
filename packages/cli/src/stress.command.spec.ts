import type { BusinessChange } from '@distillery/proto';
import { describe, expect, it } from 'vitest';
import { embeddedAgents, parseStressArguments, type StressBackend, stressCommand } from './stress.command.js';

describe('distillery stress', () => {
  it('reads its flags, with the paper-sized defaults, and names a bad argument', () => {
    expect(parseStressArguments([], {})).toEqual({ scenarios: 120, turns: 10, seed: 9001, runs: 1, concurrency: 4, dealershipSeed: 7, backend: 'reference', apiKey: 'dev-key' });
    expect(parseStressArguments(['--scenarios', '12', '--runs', '3', '--agents', 'grpc://10.0.0.5:7201', '--require-pass-rate', '99.5'], { DISTILLERY_STRESS_API_KEY: 'ops-key' })).toMatchObject({
      scenarios: 12,
      runs: 3,
      agents: '10.0.0.5:7201',
      apiKey: 'ops-key',
      requirePassRate: 99.5,
    });
    expect(() => parseStressArguments(['--turns', '11'], {})).toThrow('--turns: expected 1 to 10');
    expect(() => parseStressArguments(['--runs', '0'], {})).toThrow('--runs: expected at least 1');
    expect(() => parseStressArguments(['--agents', 'http://x'], {})).toThrow('--agents: expected the agents\' gRPC address as host:port');
    expect(() => parseStressArguments(['--require-pass-rate', '120'], {})).toThrow('--require-pass-rate: expected a percentage from 0 to 100');
    expect(() => parseStressArguments(['--seed'], {})).toThrow('--seed needs a value');
    expect(() => parseStressArguments(['--frobnicate', '1'], {})).toThrow('unknown option --frobnicate');
    expect(parseStressArguments(['--backend', 'serving'], {}).backend).toBe('serving');
    expect(() => parseStressArguments(['--backend', 'student'], {})).toThrow('--backend: expected one of reference, serving, openai, got "student"');
    expect(() => parseStressArguments(['--backend', 'serving', '--agents', '127.0.0.1:7201'], {})).toThrow('with --agents the backend is whatever those agents run');
  });

  it('starts the embedded agents on the backend asked for, configured from the environment, and names what is missing', async () => {
    await expect(stressCommand(parseStressArguments(['--scenarios', '1', '--backend', 'openai'], {}), () => undefined, undefined, {})).rejects.toThrow(/DISTILLERY_OPENAI_BASE_URL: required when DISTILLERY_AGENTS_BACKEND=openai/);
  }, 60_000);

  it('passes the reference teacher on every turn of a dozen scenarios with every kind of business switch (100%)', async () => {
    const lines: string[] = [];
    const outcome = await stressCommand(parseStressArguments(['--scenarios', '12', '--require-pass-rate', '100'], {}), (line) => lines.push(line));
    expect(outcome.summary.failing.map(({ result }) => `${result.scenarioId} turn ${result.firstFailure?.turn}: ${result.firstFailure?.reason}`)).toEqual([]);
    expect(outcome.summary).toMatchObject({ scenarios: 12, turns: 120, runs: 1, passRates: [1], passAllRuns: 1 });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.runs[0]!.every((result) => result.turnsPlayed === 10)).toBe(true);
    expect(lines.filter((line) => / pass — /.test(line))).toHaveLength(12);
    expect(lines).toContain('pass^1: 100.00% (12/12 scenarios passed every run)');
    expect(lines[0]).toMatch(/^distillery stress — 12 scenarios × 10 turns \(seed 9001\); switches: /);
    for (const kind of ['vehicle sold', 'rule change', 'tool off', 'tool on']) expect(lines[0]).toMatch(new RegExp(`\\d+ ${kind}`));
    // Every kind of switch is in the dozen: a car sold, a rule changed, a tool switched off and back on.
    for (const variant of ['vehicle sold', 'rule change', 'tool off on']) expect(outcome.runs[0]!.some((result) => result.description.includes(`(${variant})`))).toBe(true);
  }, 300_000);

  it('fails the scenarios of an agents backend that ignores a car being sold, on the turn after the sale and for that reason', async () => {
    // The backend answers the sale but never makes it: the car stays on sale under the agents.
    const ignoringSales = () => blindTo((change) => change.vehicleStatus !== undefined, 'the reference teacher, blind to sold cars');
    const lines: string[] = [];
    const outcome = await stressCommand(parseStressArguments(['--scenarios', '12', '--require-pass-rate', '100'], {}), (line) => lines.push(line), ignoringSales);
    const results = outcome.runs[0]!;
    const sold = results.filter((result) => /\(vehicle sold\)/.test(result.description));
    expect(sold.length).toBeGreaterThanOrEqual(3);
    for (const result of sold) {
      expect(result.passed).toBe(false);
      expect(result.firstFailure).toMatchObject({ kind: 'rule', reason: expect.stringMatching(/(succeeded on VIN \w+, sold before turn 4|the reply offers VIN \w+ without saying it was sold \(before turn 4\))/) });
      expect(result.firstFailure!.turn).toBe(4);
    }
    expect(results.filter((result) => !sold.includes(result)).every((result) => result.passed)).toBe(true);
    expect(outcome.summary.passAllRuns).toBeCloseTo((12 - sold.length) / 12);
    expect(outcome.exitCode).toBe(1);
    expect(lines.at(-1)).toMatch(/^pass\^1 \d+\.\d\d% is below the required 100%$/);
  }, 300_000);

  it('fails the scenarios of an agents backend that ignores rule changes and tools switched off, for the rule it broke', async () => {
    const blind = () => blindTo((change) => change.rulesPatch !== undefined || change.toolAvailability !== undefined, 'the reference teacher, blind to rules and tools');
    const outcome = await stressCommand(parseStressArguments(['--scenarios', '12'], {}), () => undefined, blind);
    const results = outcome.runs[0]!;
    const switched = results.filter((result) => /\((rule change|tool off on)\)/.test(result.description));
    expect(switched.length).toBeGreaterThanOrEqual(6);
    for (const result of switched) {
      expect(result.passed).toBe(false);
      expect(result.firstFailure).toMatchObject({ kind: 'rule', reason: expect.stringMatching(/^(planned |made |the reply gives |called \w+, which is switched off)/) });
      expect([3, 4]).toContain(result.firstFailure!.turn);
    }
    expect(results.filter((result) => !switched.includes(result)).every((result) => result.passed)).toBe(true);
  }, 300_000);
});

/** The embedded teacher behind a port that answers the business changes `ignored` picks without making them. */
async function blindTo(ignored: (change: BusinessChange) => boolean, name: string): Promise<StressBackend> {
  const teacher = await embeddedAgents(7);
  const port = teacher.port;
  return {
    name,
    close: () => teacher.close(),
    port: {
      createSession: (request) => port.createSession(request),
      sendMessage: (request) => port.sendMessage(request),
      getTurnTrace: (sessionId, turnId) => port.getTurnTrace(sessionId, turnId),
      applyBusinessChange: (change) => (ignored(change) ? Promise.resolve({ rulesVersion: 1, rulesJson: '{}', previousRulesJson: '{}', previousVehicleStatus: 'sold' }) : port.applyBusinessChange(change)),
    },
  };
}
