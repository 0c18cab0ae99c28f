import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError } from './error.filter';

/**
 * class-validator on every DTO: unknown fields rejected, query strings converted to the DTO's types,
 * and a 400 `validation_failed` listing every bad field (`details: [{ field, problems }]`).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors: ValidationError[]) => {
      const details = flatten(errors);
      return new ApiError(400, 'validation_failed', `invalid ${details.map((d) => d.field).join(', ')}`, details);
    },
  });
}

function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; problems: string[] }> {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
