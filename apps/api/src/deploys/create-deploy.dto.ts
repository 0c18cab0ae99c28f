import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, MaxLength } from 'class-validator';

/** Longest accepted texts of a deploy, characters. */
export const DEPLOY_LIMITS = { service: 200, version: 200, environment: 100, description: 1000, link: 2048 } as const;

/** No control characters (they would end up in alert messages and terminals). */
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;
const PRINTABLE_MESSAGE = (field: string) => ({ message: `${field} must not contain control characters` });

/**
 * Body of `POST /v1/deploys`: a deploy of one service (`DeployInput` of @denytrace/schema). Times are
 * ISO-8601; without `Z` or an offset they are read as UTC. Unknown fields are refused.
 */
export class CreateDeployDto {
  @ApiProperty({ description: 'ECS `service.name` of the deployable, as its logs carry it', example: 'billing-api', maxLength: DEPLOY_LIMITS.service })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DEPLOY_LIMITS.service)
  @Matches(PRINTABLE, PRINTABLE_MESSAGE('service'))
  service!: string;

  @ApiProperty({ description: 'version, tag or commit deployed', example: '2024.03.12-1', maxLength: DEPLOY_LIMITS.version })
  @IsString()
  @IsNotEmpty()
  @MaxLength(DEPLOY_LIMITS.version)
  @Matches(PRINTABLE, PRINTABLE_MESSAGE('version'))
  version!: string;

  @ApiPropertyOptional({ description: '`production`, `staging` … (default empty)', example: 'production', maxLength: DEPLOY_LIMITS.environment })
  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.environment)
  @Matches(PRINTABLE, PRINTABLE_MESSAGE('environment'))
  environment?: string;

  @ApiProperty({ description: 'when the rollout started, ISO-8601', example: '2024-03-12T14:10:00Z', format: 'date-time' })
  @IsISO8601({ strict: true })
  started_at!: string;

  @ApiPropertyOptional({ description: 'when the rollout finished, ISO-8601; not before started_at', example: '2024-03-12T14:14:30Z', format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  finished_at?: string;

  @ApiPropertyOptional({ description: 'free text', example: 'invoice permissions refactor', maxLength: DEPLOY_LIMITS.description })
  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.description)
  description?: string;

  @ApiPropertyOptional({ description: 'http(s) link to the change (pull request, pipeline run)', example: 'https://github.com/acme/billing/pull/42', maxLength: DEPLOY_LIMITS.link })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'link must be an http or https URL' })
  @MaxLength(DEPLOY_LIMITS.link)
  link?: string;
}
