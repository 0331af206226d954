/** Thrown when the proto/ directory cannot be found (set DISTILLERY_PROTO_DIR when running outside the repository). */
export class ProtoNotFoundError extends Error {
  override readonly name = 'ProtoNotFoundError';
  constructor(readonly dir: string) {
    super(`proto directory not found at ${dir}; set DISTILLERY_PROTO_DIR`);
  }
}
