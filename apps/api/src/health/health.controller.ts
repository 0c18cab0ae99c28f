import { Controller, Get } from '@nestjs/common';

/** `GET /health`: liveness of the API process. Redis, store and queue checks join it with the service issue. */
@Controller('health')
export class HealthController {
  @Get()
  health(): { status: 'ok'; service: 'denytrace-api' } {
    return { status: 'ok', service: 'denytrace-api' };
  }
}
