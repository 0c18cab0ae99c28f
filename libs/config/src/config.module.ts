import { Global, Inject, Module, type DynamicModule } from '@nestjs/common';
import { loadConfig, type DenytraceConfig } from './config';

/** Injection token of the validated configuration. */
export const DENYTRACE_CONFIG = Symbol('DENYTRACE_CONFIG');

/** Injects the validated {@link DenytraceConfig}. */
export const InjectConfig = (): ParameterDecorator => Inject(DENYTRACE_CONFIG);

/**
 * Provides the configuration to every module, validated once at start (`loadConfig` throws a
 * ConfigError listing every bad variable). Tests and `serve` pass a ready config.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config?: DenytraceConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: DENYTRACE_CONFIG, useFactory: () => config ?? loadConfig() }],
      exports: [DENYTRACE_CONFIG],
    };
  }
}
