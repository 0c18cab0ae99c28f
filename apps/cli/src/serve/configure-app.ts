import type { INestApplication } from '@nestjs/common';
import { setupOpenApi } from '../../../api/src/openapi';

/**
 * What `serve` does to its application before `listen`, like the API's own main: the OpenAPI
 * document at /docs-json and its UI at /docs (registered before Nest's 404 handler). The collector's
 * push route keeps its body away from the JSON parser by itself (PushBodyHook).
 */
export function configureServeApp(app: INestApplication): void {
  setupOpenApi(app);
}
