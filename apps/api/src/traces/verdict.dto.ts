import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LAYERS } from './list-traces.query';

/*
 * OpenAPI descriptions of the verdict (`Verdict` of @denytrace/schema, the shape `denytrace traces
 * --json` prints). Documentation only: the API returns the stored verdict as it is.
 */

class ObserverDoc {
  @ApiProperty({ example: 'waf' }) type!: string;
  @ApiProperty({ example: 'aws' }) vendor!: string;
  @ApiProperty({ example: 'waf' }) product!: string;
  @ApiPropertyOptional({ example: 'edge-acl' }) name?: string;
}

class EmitterEventDoc {
  @ApiProperty({ description: 'ECS event.dataset of the emitting event', example: 'aws.waf' }) dataset!: string;
}

class EmitterDoc {
  @ApiProperty({ type: EmitterEventDoc }) event!: EmitterEventDoc;
  @ApiProperty({ example: 'aws-waf' }) component!: string;
  @ApiProperty({ type: ObserverDoc }) observer!: ObserverDoc;
}

class RuleDoc {
  @ApiProperty({ description: 'ECS rule.id', example: 'geo-blocklist' }) id!: string;
  @ApiProperty({ description: 'ECS rule.name', nullable: true, type: String }) name!: string | null;
  @ApiProperty({ description: 'ECS rule.ruleset', nullable: true, type: String }) ruleset!: string | null;
  @ApiPropertyOptional({ description: 'e.g. an IAM explicit vs implicit deny, a WAF rule type', nullable: true, type: String }) type?: string | null;
}

class RequestDoc {
  @ApiProperty({ nullable: true, type: String, example: 'GET' }) method!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'api.example.com' }) domain!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '/v1/orders' }) path!: string | null;
  @ApiProperty({ nullable: true, type: String }) query!: string | null;
}

class ClientDoc {
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'RU' }) country!: string | null;
  @ApiProperty({ nullable: true, type: String }) region!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '203.0.113.0/24' }) network!: string | null;
  @ApiProperty({ nullable: true, type: String }) organization!: string | null;
}

class UserDoc {
  @ApiProperty({ nullable: true, type: String }) id!: string | null;
  @ApiProperty({ type: [String] }) roles!: string[];
  @ApiProperty({ nullable: true, type: String }) tenant!: string | null;
}

class ServiceDoc {
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) version!: string | null;
}

class VerdictEventRuleDoc {
  @ApiProperty({ nullable: true, type: String }) id!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) ruleset!: string | null;
}

/** One event of a verdict, in hop order. */
export class VerdictEventDoc {
  @ApiProperty({ description: 'ECS event.id' }) id!: string;
  @ApiProperty({ name: '@timestamp', format: 'date-time' }) '@timestamp'!: string;
  @ApiProperty({ example: 'aws.cloudfront' }) dataset!: string;
  @ApiProperty({ example: 'cloudfront' }) component!: string;
  @ApiProperty({ enum: LAYERS }) layer!: string;
  @ApiProperty({ description: 'position from the client inward', type: 'integer' }) hop!: number;
  @ApiProperty({ nullable: true, type: 'integer' }) status!: number | null;
  @ApiProperty({ enum: ['deny', 'pass', 'unknown'] }) decision!: string;
  @ApiProperty({ nullable: true, type: String, example: 'block' }) action!: string | null;
  @ApiProperty({ nullable: true, type: 'integer' }) upstream_status!: number | null;
  @ApiProperty({ nullable: true, type: VerdictEventRuleDoc }) rule!: VerdictEventRuleDoc | null;
  @ApiProperty({ enum: ['id', 'match', 'root'] }) joined_by!: string;
  @ApiProperty({ nullable: true, type: String }) evidence!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the raw line (bounded)' }) original!: string | null;
}

/** The verdict for one request followed across layers: who refused it and why. */
export class VerdictDoc {
  @ApiProperty({ description: 'stable id of the trace' }) trace_id!: string;
  @ApiProperty({ type: [String], description: 'every correlation id of the trace, `kind:value`', example: ['amzcf:9Zh89bGz9ZzHCRE-TgX8HuNF3ywfB2zthWgHuchNSylQFEttHu4l-Q==', 'xray:1-65f043c0-5ea0e2470e8f99a64adf820d'] })
  correlation_ids!: string[];
  @ApiProperty({ nullable: true, type: 'integer', example: 403, description: 'status the client received' }) status!: number | null;
  @ApiProperty({ nullable: true, enum: LAYERS, description: 'the outermost layer that itself refused' }) emitting_layer!: string | null;
  @ApiProperty({ nullable: true, type: EmitterDoc }) emitter!: EmitterDoc | null;
  @ApiProperty({ nullable: true, type: RuleDoc, description: "the rule of the emitting layer's refusal" }) decisive_rule!: RuleDoc | null;
  @ApiProperty({ minimum: 0, maximum: 1 }) confidence!: number;
  @ApiProperty({ enum: ['high', 'medium', 'low'] }) confidence_label!: string;
  @ApiProperty({ type: [String], description: 'layers with no log ingested for this time that would prove or disprove the verdict' }) missing_layers!: string[];
  @ApiProperty({ enum: ['id', 'match', 'single'] }) join!: string;
  @ApiProperty({ type: [String] }) explanation!: string[];
  @ApiProperty({ type: [String], example: ['clock_skew:3'] }) flags!: string[];
  @ApiProperty({ type: RequestDoc }) request!: RequestDoc;
  @ApiProperty({ type: ClientDoc }) client!: ClientDoc;
  @ApiProperty({ type: UserDoc }) user!: UserDoc;
  @ApiProperty({ type: ServiceDoc }) service!: ServiceDoc;
  @ApiProperty({ format: 'date-time' }) first_seen!: string;
  @ApiProperty({ format: 'date-time' }) last_seen!: string;
  @ApiProperty({ description: 'true until the slowest sources had their chance to add events' }) provisional!: boolean;
  @ApiProperty({ type: [VerdictEventDoc] }) events!: VerdictEventDoc[];
}

/** A page of verdicts, newest first. */
export class VerdictPageDoc {
  @ApiProperty({ type: [VerdictDoc] }) items!: VerdictDoc[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as `cursor` for the next page; null on the last' }) next_cursor!: string | null;
}
