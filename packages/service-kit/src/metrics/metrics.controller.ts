import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Probe } from '../auth/roles.decorator.js';
import { Metrics } from './metrics.js';

/** `/metrics` in the Prometheus text format. */
@Controller('metrics')
@Probe()
export class MetricsController {
  constructor(@Inject(Metrics) private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
