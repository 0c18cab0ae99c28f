import { Controller, Headers, HttpStatus, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InjectConfig, type DenytraceConfig } from '@denytrace/config';
import { ApiError, Public } from '@denytrace/http';
import type { Deploy } from '@denytrace/schema';
import { ErrorDoc } from '../common/error.doc';
import { GithubDeliveryDoc } from './deploy.doc';
import { DeploysService } from './deploys.service';
import { deployFromDeploymentStatus } from './github-deployment';
import { checkGithubSignature } from './github-signature';

/** What `POST /v1/deploys/github` answers. */
export type GithubDelivery = { status: 'recorded'; event: string; deploy: Deploy } | { status: 'pong' | 'ignored'; event: string };

/**
 * `POST /v1/deploys/github`: a GitHub repository (or organization) webhook. Public — GitHub sends no
 * API key — and authenticated by `X-Hub-Signature-256`, the HMAC-SHA256 of the raw body keyed with
 * `DENYTRACE_GITHUB_WEBHOOK_SECRET` ("Validating webhook deliveries",
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries). Needs the app
 * created with `rawBody: true` (`HTTP_APP_OPTIONS`), so that the bytes GitHub signed are kept.
 *
 * `X-GitHub-Event: deployment_status` records a deploy (`deployFromDeploymentStatus`,
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#deployment_status): 201 new,
 * 200 already known; `ping` is 200; any other event 202 `ignored`. Content type `application/json`
 * or `application/x-www-form-urlencoded` (the JSON in the `payload` field), as GitHub offers.
 */
@ApiTags('deploys')
@Public()
@Controller('v1/deploys/github')
export class GithubWebhookController {
  constructor(@InjectConfig() private readonly config: DenytraceConfig, private readonly deploys: DeploysService) {}

  @Post()
  @ApiOperation({
    summary: 'GitHub deployment_status webhook',
    description:
      'Point a GitHub webhook here (content type application/json, the secret of DENYTRACE_GITHUB_WEBHOOK_SECRET, event "Deployment statuses"). No API key: the ' +
      'X-Hub-Signature-256 signature authenticates the delivery. A deployment_status becomes a deploy (service: deployment.payload.service or repository.name; ' +
      'version: deployment.ref or sha; environment; started_at: deployment.created_at; finished_at: the status time once success, failure or error).',
  })
  @ApiHeader({ name: 'X-Hub-Signature-256', required: true, description: '`sha256=` + hex HMAC-SHA256 of the raw body' })
  @ApiHeader({ name: 'X-GitHub-Event', required: true, description: '`deployment_status`, `ping`; others are ignored' })
  @ApiCreatedResponse({ description: '`recorded`: a new deploy', type: GithubDeliveryDoc })
  @ApiOkResponse({ description: '`recorded` (deploy already known, updated) or `pong`', type: GithubDeliveryDoc })
  @ApiAcceptedResponse({ description: '`ignored`: an event that is not a deployment_status', type: GithubDeliveryDoc })
  @ApiBadRequestResponse({ description: '`bad_request`: the body is not JSON; `invalid_json`: the `payload` field of a form delivery is not JSON; `validation_failed`: naming the payload fields missing', type: ErrorDoc })
  @ApiUnauthorizedResponse({ description: '`missing_signature`, `invalid_signature`', type: ErrorDoc })
  @ApiNotFoundResponse({ description: '`not_configured`: DENYTRACE_GITHUB_WEBHOOK_SECRET is not set', type: ErrorDoc })
  async receive(
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
    @Headers('x-github-event') event: string | undefined,
    @Headers('x-hub-signature-256') signature: string | undefined,
  ): Promise<GithubDelivery> {
    const secret = this.config.githubWebhookSecret;
    if (!secret) throw new ApiError(404, 'not_configured', 'the GitHub deploy webhook is off: set DENYTRACE_GITHUB_WEBHOOK_SECRET to the secret of the GitHub webhook');
    const raw = this.rawBodyOf(req);
    const problem = checkGithubSignature(signature, raw, secret);
    if (problem === 'missing') throw new ApiError(401, 'missing_signature', 'no X-Hub-Signature-256 header: set the webhook secret in GitHub');
    if (problem) throw new ApiError(401, 'invalid_signature', 'X-Hub-Signature-256 does not match the body: check that GitHub and DENYTRACE_GITHUB_WEBHOOK_SECRET hold the same secret');

    const name = (event ?? '').trim();
    if (name === 'ping') {
      res.status(HttpStatus.OK);
      return { status: 'pong', event: name };
    }
    if (name !== 'deployment_status') {
      res.status(HttpStatus.ACCEPTED);
      return { status: 'ignored', event: name };
    }
    const mapped = deployFromDeploymentStatus(this.payloadOf(req, raw));
    if (!mapped.ok) throw new ApiError(400, 'validation_failed', `invalid ${mapped.problems.map((p) => p.field).join(', ')}`, mapped.problems);
    const { deploy, created } = await this.deploys.record(mapped.deploy, 'github');
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return { status: 'recorded', event: name, deploy };
  }

  /** The bytes GitHub signed; express's JSON and urlencoded parsers keep them when the app has `rawBody: true`. */
  private rawBodyOf(req: RawBodyRequest<Request>): Buffer {
    if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/(json|x-www-form-urlencoded)\b/i.test(type)) {
      throw new ApiError(415, 'unsupported_media_type', 'send the webhook as application/json (or application/x-www-form-urlencoded)');
    }
    if (req.headers['content-length'] === '0' || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)) {
      throw new ApiError(400, 'invalid_json', 'the body is empty');
    }
    throw new Error('the raw request body is not kept: create the app with rawBody: true (HTTP_APP_OPTIONS)');
  }

  /** The signed JSON document: the body itself, or the `payload` field of a form-encoded delivery. */
  private payloadOf(req: Request, raw: Buffer): unknown {
    const form = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
    const text = form ? (new URLSearchParams(raw.toString('utf8')).get('payload') ?? '') : raw.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(400, 'invalid_json', form ? 'the payload field is not JSON' : 'the body is not JSON');
    }
  }
}
