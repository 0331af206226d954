import { type ChildProcess, spawn } from 'node:child_process';

export interface SpawnedNode {
  readonly child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
  /** Resolves when a line containing `text` appears. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

/** Runs a compiled script in its own Node process, so a test can SIGKILL it mid-work. */
export function spawnNode(script: string, args: string[], env: Record<string, string | undefined>): SpawnedNode {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    output: () => output,
    exited,
    waitFor: (text, timeoutMs = 120_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!output.includes(text)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for "${text}" from ${script}; output so far:\n${output.slice(-4000)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(() => {
          if (!output.includes(text)) {
            cleanup();
            reject(new Error(`${script} exited before printing "${text}"; output:\n${output.slice(-4000)}`));
          }
        });
        check();
      }),
  };
}
