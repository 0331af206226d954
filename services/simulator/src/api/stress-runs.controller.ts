import { RequireRole } from '@distillery/service-kit';
import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, ServiceUnavailableException } from '@nestjs/common';
import { SimulatorLifecycle } from '../simulator-lifecycle.js';
import { InvalidStressRunError } from '../stress/invalid-stress-run.error.js';
import { parseStressRunRequest } from '../stress/stress-run-request.js';
import { StressRunNotFoundError } from '../stress/stress-run-not-found.error.js';
import type { StressRunView } from '../stress/stress-runs.js';
import { StressRunsStoppedError } from '../stress/stress-runs-stopped.error.js';

/**
 * The E2E stress test over HTTP, for the deploy gate: the scenarios played through the agents with
 * their sessions pinned to one model version, one run at a time, held in this replica's memory.
 * Beside the campaigns, under `/simulator`: serving's gate (DISTILLERY_SERVING_GATE_E2E_URL=http://<simulator>/simulator) asks `<url>/stress-runs`.
 *   curl -s -XPOST -H 'x-api-key: dev-key' 127.0.0.1:7102/simulator/stress-runs -H 'content-type: application/json' -d '{"model":"student-v3","scenarios":12}'
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7102/simulator/stress-runs/stress_20261207_011500_3f9a1c   # status, played, passed, passRate once done
 *   curl -s -H 'x-api-key: dev-key' 127.0.0.1:7102/simulator/stress-runs                                  # every run held, newest first
 */
@Controller('simulator')
@RequireRole('operator')
export class StressRunsController {
  constructor(@Inject(SimulatorLifecycle) private readonly simulator: SimulatorLifecycle) {}

  /** 202 with the queued run; 400 naming each bad field; 503 while the replica drains. */
  @Post('stress-runs')
  @HttpCode(202)
  submit(@Body() body: unknown): StressRunView {
    try {
      return this.simulator.runtime.stressRuns.submit(parseStressRunRequest(body));
    } catch (error) {
      throw asHttpError(error);
    }
  }

  @Get('stress-runs')
  list(): StressRunView[] {
    return this.simulator.runtime.stressRuns.list();
  }

  /** 404 for an id this replica does not hold. */
  @Get('stress-runs/:runId')
  find(@Param('runId') runId: string): StressRunView {
    try {
      return this.simulator.runtime.stressRuns.find(runId);
    } catch (error) {
      throw asHttpError(error);
    }
  }
}

function asHttpError(error: unknown): unknown {
  if (error instanceof InvalidStressRunError) return new BadRequestException(error.message);
  if (error instanceof StressRunNotFoundError) return new NotFoundException(error.message);
  if (error instanceof StressRunsStoppedError) return new ServiceUnavailableException(error.message);
  return error;
}
