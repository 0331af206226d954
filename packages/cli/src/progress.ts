import { LiveRunBoard } from '@distillery/console';

/** Progress lines for long commands: `[step/total] label … detail (1.2 s)`, and a closing summary. */
export class ProgressPrinter {
  private step = 0;
  private readonly started = Date.now();
  /** The same steps for the web console (`/console` shows them while the run goes on). */
  readonly live = new LiveRunBoard();

  constructor(
    private readonly total: number,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  async run<T>(label: string, work: () => Promise<T>, describe: (result: T) => string = () => 'ok'): Promise<T> {
    const step = ++this.step;
    const started = Date.now();
    this.write(`[${step}/${this.total}] ${label} …`);
    this.live.begin(step, this.total, label);
    const result = await work();
    const detail = describe(result);
    this.live.finish(step, detail);
    this.write(`[${step}/${this.total}] ${label}: ${detail} (${seconds(Date.now() - started)})`);
    return result;
  }

  note(label: string, detail: string): void {
    this.live.note(++this.step, this.total, label, detail);
    this.write(`[${this.step}/${this.total}] ${label}: ${detail}`);
  }

  elapsed(): string {
    return seconds(Date.now() - this.started);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
