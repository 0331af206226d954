import { RequireRole } from '@distillery/service-kit';
import { Controller, Get, Inject, Query } from '@nestjs/common';
import { InvalidRequestError } from '../errors/serving.errors.js';
import { ServingLifecycle } from '../serving-lifecycle.js';

/**
 * The deploy gate's decisions, newest first (of one model with `?model=`): each new version's
 * agent metrics against the incumbent's on the same held-out rows, the decision and why, the
 * dataset whose rows were decoded and the lineage — what deployments.gated published.
 */
@Controller('serving/gates')
@RequireRole('operator')
export class GatesController {
  constructor(@Inject(ServingLifecycle) private readonly lifecycle: ServingLifecycle) {}

  @Get()
  async list(@Query('model') model?: unknown): Promise<unknown> {
    if (model !== undefined && (typeof model !== 'string' || model.length === 0 || model.length > 200)) throw new InvalidRequestError('model', 'expected one model id');
    const gates = this.lifecycle.runtime.gates;
    if (!gates) throw new InvalidRequestError(null, 'gateway mode (DISTILLERY_SERVING_UPSTREAM): the upstream server decides which versions it serves; no gate runs here');
    return { gates: await gates.list(model) };
  }
}
