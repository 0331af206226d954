/** Thrown when the `llm` simulator's model answers with no usable utterance (empty, twice in a row): the conversation fails with this reason. */
export class SimulatorOutputError extends Error {
  override readonly name = 'SimulatorOutputError';
  constructor(
    readonly conversation: number,
    readonly output: string,
  ) {
    super(`the simulator model gave no usable utterance for conversation ${conversation}: ${JSON.stringify(output.slice(0, 200))}`);
  }
}
