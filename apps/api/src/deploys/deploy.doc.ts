import { ApiProperty } from '@nestjs/swagger';

/* OpenAPI descriptions of deploys (`Deploy` of @denytrace/schema). Documentation only. */

/** A stored deploy. */
export class DeployDoc {
  @ApiProperty({ description: 'stable id from service, version, environment and started_at', example: 'dep_3f2a9c0d41b7e85a6c12' }) id!: string;
  @ApiProperty({ description: 'ECS service.name', example: 'billing-api' }) service!: string;
  @ApiProperty({ example: '2024.03.12-1' }) version!: string;
  @ApiProperty({ description: "'' when not given", example: 'production' }) environment!: string;
  @ApiProperty({ format: 'date-time', description: 'ISO-8601 UTC with ms', example: '2024-03-12T14:10:00.000Z' }) started_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'null while rolling or unknown' }) finished_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'https://github.com/acme/billing/pull/42' }) link!: string | null;
  @ApiProperty({ description: '`api`, `github` or `file:<path>`', example: 'api' }) source!: string;
}

/** `GET /v1/deploys`. */
export class DeployListDoc {
  @ApiProperty({ type: [DeployDoc], description: 'oldest started_at first' }) items!: DeployDoc[];
}

/** Answer of `POST /v1/deploys/github`. */
export class GithubDeliveryDoc {
  @ApiProperty({ enum: ['recorded', 'pong', 'ignored'] }) status!: string;
  @ApiProperty({ description: 'X-GitHub-Event', example: 'deployment_status' }) event!: string;
  @ApiProperty({ type: DeployDoc, required: false, description: 'the stored deploy, when `recorded`' }) deploy?: DeployDoc;
}
