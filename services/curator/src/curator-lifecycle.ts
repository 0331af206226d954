import { Injectable } from '@nestjs/common';
import { runtimeLifecycle } from '@distillery/service-kit';
import { loadCuratorConfig } from './config/curator.config.js';
import { CuratorRuntime } from './curator-runtime.js';

/** Starts the curator runtime once the platform is up (config validated first); drains it before the platform closes. */
@Injectable()
export class CuratorLifecycle extends runtimeLifecycle('curator', (platform) => CuratorRuntime.start(platform, loadCuratorConfig(platform.env))) {}
