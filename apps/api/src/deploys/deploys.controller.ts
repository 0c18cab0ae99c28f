import { Body, Controller, Get, HttpStatus, Post, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from '@denytrace/http';
import type { Deploy } from '@denytrace/schema';
import { ErrorDoc } from '../common/error.doc';
import { CreateDeployDto } from './create-deploy.dto';
import { DeployDoc, DeployListDoc } from './deploy.doc';
import { DeploysService } from './deploys.service';
import { ListDeploysQuery } from './list-deploys.query';

/**
 * `POST /v1/deploys` (role `ingester`) and `GET /v1/deploys` (role `reader`): the deploys spike
 * detection ties post-rollout write denials to (DESIGN.md "Spikes").
 */
@ApiTags('deploys')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: '`missing_api_key` or `unknown_api_key`', type: ErrorDoc })
@ApiForbiddenResponse({ description: '`insufficient_scope`: the key lacks the role', type: ErrorDoc })
@Controller('v1/deploys')
export class DeploysController {
  constructor(private readonly deploys: DeploysService) {}

  @Post()
  @RequireRole('ingester')
  @ApiOperation({
    summary: 'Record a deploy',
    description:
      'Stores a deploy of one service and starts a detection run at once. The id comes from service, version, environment and started_at, so posting the same deploy again ' +
      '(a retried pipeline step, or a second call with finished_at) answers 200 with the stored deploy, updated with the finished_at, description and link given, instead of 201.',
  })
  @ApiCreatedResponse({ description: 'a new deploy', type: DeployDoc })
  @ApiOkResponse({ description: 'the deploy was already recorded (same id); finished_at, description and link given now were applied', type: DeployDoc })
  @ApiBadRequestResponse({ description: '`validation_failed`, listing every bad field in `details`', type: ErrorDoc })
  async create(@Body() body: CreateDeployDto, @Res({ passthrough: true }) res: Response): Promise<Deploy> {
    const { deploy, created } = await this.deploys.record(body, 'api');
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return deploy;
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'List deploys, oldest first', description: 'Deploys whose started_at is in [since, until), of one service when given.' })
  @ApiOkResponse({ type: DeployListDoc })
  @ApiBadRequestResponse({ description: '`validation_failed`, listing every bad field in `details`', type: ErrorDoc })
  list(@Query() query: ListDeploysQuery): Promise<{ items: Deploy[] }> {
    return this.deploys.list(query);
  }
}
