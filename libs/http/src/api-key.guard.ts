import { timingSafeEqual, createHash } from 'node:crypto';
import { Injectable, Logger, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { InjectConfig, type ApiRole, type DenytraceConfig } from '@denytrace/config';
import { ApiError } from './error.filter';

const ROLE_KEY = 'denytrace:role';
const PUBLIC_KEY = 'denytrace:public';

/**
 * The least role a route needs: `reader` reads, `ingester` pushes logs, `admin` changes settings.
 * An admin key satisfies every role; reader and ingester only their own.
 */
export const RequireRole = (role: ApiRole): MethodDecorator & ClassDecorator => SetMetadata(ROLE_KEY, role);
/** A route anyone may call (health, OpenAPI document). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** Which roles satisfy a required role: admin satisfies all; reader and ingester only themselves. */
const SATISFIES: Record<ApiRole, ApiRole[]> = { reader: ['reader', 'admin'], ingester: ['ingester', 'admin'], admin: ['admin'] };

/**
 * API keys with roles (DENYTRACE_API_KEYS), sent as `Authorization: Bearer <key>` and compared in
 * constant time (SHA-256 of both sides, then `timingSafeEqual`, so length leaks nothing).
 * 401 `missing_api_key` / `unknown_api_key`, 403 `insufficient_scope`. Routes without `@RequireRole`
 * need `admin`. With no keys configured (loopback only, see config), every request is allowed.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Array<{ role: ApiRole; digest: Buffer }>;

  constructor(private readonly reflector: Reflector, @InjectConfig() config: DenytraceConfig) {
    this.keys = config.apiKeys.map((k) => ({ role: k.role, digest: sha256(k.key) }));
    if (this.keys.length === 0) new Logger('auth').warn('DENYTRACE_API_KEYS is not set: the API is open to anyone who can reach this loopback address');
  }

  canActivate(ctx: ExecutionContext): boolean {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    if (this.keys.length === 0) return true;
    const required = this.reflector.getAllAndOverride<ApiRole>(ROLE_KEY, targets) ?? 'admin';
    const header = ctx.switchToHttp().getRequest<Request>().header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new ApiError(401, 'missing_api_key', 'send an API key as "Authorization: Bearer <key>"');
    const digest = sha256(m[1]);
    let role: ApiRole | undefined;
    for (const k of this.keys) if (timingSafeEqual(k.digest, digest)) role = k.role;
    if (!role) throw new ApiError(401, 'unknown_api_key', 'the API key is not known');
    if (!SATISFIES[required].includes(role)) throw new ApiError(403, 'insufficient_scope', `this action needs the ${required} role; the key has ${role}`);
    return true;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
