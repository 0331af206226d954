export interface RateLimit {
  /** Average requests a minute. */
  readonly perMinute: number;
  /** Largest burst. */
  readonly burst: number;
}

/** A token bucket per tenant: the default limit, or the tenant's own where one is set. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly perTenant: ReadonlyMap<string, RateLimit> = new Map(),
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Takes one token; false when the tenant is over its rate. */
  tryTake(tenant: string): boolean {
    const { perMinute, burst } = this.perTenant.get(tenant) ?? this.limit;
    const now = this.clock();
    const bucket = this.buckets.get(tenant) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    bucket.at = now;
    this.buckets.set(tenant, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
