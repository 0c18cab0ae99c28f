import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SPIKE_KINDS } from '@denytrace/schema';
import { DeployDoc } from '../deploys/deploy.doc';

/* OpenAPI descriptions of spikes (`Spike` of @denytrace/schema). Documentation only: the API returns the stored spike as it is. */

class SpikeRatesDoc {
  @ApiProperty({ example: 42 }) denied_per_min!: number;
  @ApiProperty({ example: 110 }) requests_per_min!: number;
  @ApiProperty({ description: '403s over requests, 0..1', example: 0.381 }) deny_ratio!: number;
}

class TopEmitterDoc {
  @ApiProperty({ description: 'emitting layer', example: 'waf' }) layer!: string;
  @ApiProperty({ example: 'aws-waf' }) component!: string;
  @ApiProperty({ description: 'decisive rule id', nullable: true, type: String, example: 'GeoBlockSA' }) rule_id!: string | null;
  @ApiProperty({ description: "share of the spike's 403s, 0..1", example: 0.97 }) share!: number;
}

class SpikeSeriesDoc {
  @ApiProperty({ example: 'source.geo.country_iso_code' }) dimension!: string;
  @ApiProperty({ example: 'BR' }) value!: string;
  @ApiProperty({ enum: ['*', 'read', 'write'] }) scope!: string;
  @ApiProperty({ enum: ['ratio', 'count'] }) test!: string;
  @ApiProperty({ description: 'the baseline the series was held to' }) expected!: number;
}

class SpikeAlsoMatchedDoc {
  @ApiProperty({ example: 'rule.id' }) dimension!: string;
  @ApiProperty({ example: 'GeoBlockSA' }) value!: string;
  @ApiProperty({ enum: ['*', 'read', 'write'] }) scope!: string;
  @ApiProperty({ description: "share of this spike's 403s carrying the value, 0..1" }) share!: number;
}

/** A spike (DESIGN.md "Spikes"). */
export class SpikeDoc {
  @ApiProperty({ example: 'spk_2024-03-12T14:50Z_geo_BR' }) id!: string;
  @ApiProperty({ enum: SPIKE_KINDS }) kind!: string;
  @ApiProperty({ description: 'ECS field explaining the spike', example: 'source.geo.country_iso_code' }) dimension!: string;
  @ApiProperty({ example: 'BR' }) value!: string;
  @ApiProperty({ format: 'date-time', description: 'first 403 of the spike' }) start!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'last 403 once resolved; null while firing' }) end!: string | null;
  @ApiProperty({ enum: ['firing', 'resolved'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) detected_at!: string;
  @ApiProperty({ type: SpikeRatesDoc }) baseline!: SpikeRatesDoc;
  @ApiProperty({ type: SpikeRatesDoc }) observed!: SpikeRatesDoc;
  @ApiProperty({ description: 'observed deny ratio over the baseline deny ratio (≤ 1000)', example: 84 }) magnitude!: number;
  @ApiProperty({ description: 'one-sided p-value of the test that fired' }) p_value!: number;
  @ApiProperty({ description: 'distinct refused requests', type: 'integer', example: 420 }) denied!: number;
  @ApiProperty({ description: 'distinct client addresses', type: 'integer' }) sources!: number;
  @ApiProperty({ type: TopEmitterDoc }) top_emitter!: TopEmitterDoc;
  @ApiProperty({ type: [String], description: 'up to 5 trace ids (GET /v1/traces/{id})' }) sample_trace_ids!: string[];
  @ApiPropertyOptional({ type: DeployDoc, description: 'for post_rollout_write_denial: the deploy it follows' }) deploy?: DeployDoc;
  @ApiPropertyOptional() service?: string;
  @ApiPropertyOptional() role?: string;
  @ApiPropertyOptional() route?: string;
  @ApiPropertyOptional({ enum: ['read', 'write'] }) method_class?: string;
  @ApiProperty({ type: SpikeSeriesDoc }) series!: SpikeSeriesDoc;
  @ApiProperty({ format: 'date-time' }) last_elevated_at!: string;
  @ApiProperty({ type: [SpikeAlsoMatchedDoc], description: 'other dimension values rolled into this spike (one incident, one page)' }) also_matched!: SpikeAlsoMatchedDoc[];
  @ApiProperty({ example: '403s from BR up ×84 (42.0/min vs 0.5/min), 97% by waf rule GeoBlockSA' }) summary!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

/** A page of spikes. */
export class SpikePageDoc {
  @ApiProperty({ type: [SpikeDoc], description: 'newest start first' }) items!: SpikeDoc[];
  @ApiProperty({ nullable: true, type: String, description: 'pass back as `cursor`; null on the last page' }) next_cursor!: string | null;
}
