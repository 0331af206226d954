import { afterAll, describe, expect, it } from 'vitest';
import { PlanSandbox } from './plan-sandbox.js';

const tools = {
  getVehicle: async (args: Record<string, unknown>) => ({ ok: true, vehicle: { vin: args.vin, make: 'Toyota', price: 31_990 } }),
  failing: async () => {
    throw new Error('database is down');
  },
};

describe('PlanSandbox', () => {
  const sandbox = new PlanSandbox({ memoryBytes: 8 * 1024 * 1024, stackBytes: 128 * 1024, timeoutMs: 300, maxOutputBytes: 4096 });
  afterAll(() => sandbox.close());

  it('runs a plan that calls tools synchronously and returns data', async () => {
    const outcome = await sandbox.execute('const v = getVehicle({ vin: "VIN1" }); return { price: v.vehicle.price, make: v.vehicle.make };', tools);
    expect(outcome).toMatchObject({ ok: true, result: { price: 31_990, make: 'Toyota' } });
    expect(outcome.toolCalls).toMatchObject([{ tool: 'getVehicle', args: { vin: 'VIN1' } }]);
  });

  it('returns tool failures to the plan as data', async () => {
    const outcome = await sandbox.execute('const r = failing({}); return r;', tools);
    expect(outcome).toMatchObject({ ok: true, result: { ok: false, error: { code: 'TOOL_FAILED', message: 'database is down' } } });
  });

  describe('red team', () => {
    it.each([
      ['an infinite loop', 'while (true) {}', 'TIMEOUT'],
      ['a memory bomb', 'const a = []; while (true) a.push([a.length, { n: a.length }]);', 'MEMORY'],
      ['deep recursion', 'function f(n) { return f(n + 1) + 1; } return f(0);', 'STACK'],
      ['a huge output', 'return "x".repeat(100000);', 'OUTPUT_TOO_LARGE'],
      ['a thrown error', 'throw new Error("nope");', 'RUNTIME'],
    ] as const)('stops %s with %s', async (_what, code, expected) => {
      // A generous clock for this one case, so the memory limit (not the timeout) is what stops the bomb.
      const outcome = await sandbox.execute(code, tools, expected === 'MEMORY' ? { timeoutMs: 5_000, memoryBytes: 4 * 1024 * 1024 } : {});
      expect(outcome.ok).toBe(false);
      expect(outcome).toMatchObject({ code: expected });
      expect(outcome.durationMs).toBeLessThan(6_000);
    });

    it.each([
      ['process', 'return typeof process;'],
      ['require', 'return typeof require;'],
      ['globalThis host objects', 'return Object.keys(globalThis).filter((k) => !["getVehicle", "failing", "__host_call"].includes(k)).filter((k) => typeof globalThis[k] === "object" && ["process", "Buffer", "fs", "window"].includes(k));'],
      ['import()', 'return typeof import.meta;'],
    ])('gives no way to reach the host through %s', async (_what, code) => {
      const outcome = await sandbox.execute(code, tools);
      // Either the name does not exist (a runtime error) or it is undefined / finds nothing: never a host object.
      expect(outcome.ok ? ['undefined', []].some((safe) => JSON.stringify(safe) === JSON.stringify(outcome.result)) : outcome.code === 'RUNTIME').toBe(true);
    });

    it('stops a plan whose tool does not answer before the deadline, and its late answer reaches no later plan', async () => {
      let answer: (value: unknown) => void = () => undefined;
      const late = { slow: () => new Promise<unknown>((resolve) => (answer = resolve)), getVehicle: tools.getVehicle };
      const outcome = await sandbox.execute('return slow({});', late);
      expect(outcome).toMatchObject({ ok: false, code: 'TIMEOUT' });
      expect(outcome.durationMs).toBeLessThan(300 + 500); // before the kill backstop
      answer({ ok: true, stale: true });
      const next = await sandbox.execute('return getVehicle({ vin: "VIN2" });', late);
      expect(next).toMatchObject({ ok: true, result: { ok: true, vehicle: { vin: 'VIN2' } } });
    });

    it('kills the worker when the plan is stuck in a native call the interrupt handler cannot reach, then recovers', async () => {
      // QuickJS's built-in sort with the default comparison runs to its end without checking the interrupt handler.
      const outcome = await sandbox.execute('return "ab".repeat(1 << 21).split("").sort().length;', tools, { memoryBytes: 512 * 1024 * 1024 });
      expect(outcome).toMatchObject({ ok: false, code: 'KILLED' });
      expect(await sandbox.execute('return "alive";', tools)).toMatchObject({ ok: true, result: 'alive' });
    });

    it('keeps working after every attack', async () => {
      const outcome = await sandbox.execute('return 1 + 1;', tools);
      expect(outcome).toMatchObject({ ok: true, result: 2 });
    });
  });
});
