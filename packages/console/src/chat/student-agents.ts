/** Where the agents answering on the student listen, and the key they take. */
export interface AgentsAddress {
  readonly address: string;
  readonly apiKey: string;
}

/**
 * The student behind the agents, for the chat playground: the process serving the console provides
 * it (`distillery console`: a second agents service on the serving service's student, started on
 * the first message). The console asks `unavailable` before it offers the student.
 */
export interface StudentAgents {
  /** Why the student cannot be talked to now (a sentence), or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  /** The agents on the student, started on first use. */
  connect(): Promise<AgentsAddress>;
  /** Stops what `connect` started; the console calls it when it shuts down. */
  close(): Promise<void>;
}
