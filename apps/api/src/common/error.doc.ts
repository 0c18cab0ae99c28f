import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One bad field of a `validation_failed` error. */
class ErrorDetailDoc {
  @ApiProperty({ example: 'status' }) field!: string;
  @ApiProperty({ type: [String], example: ['status must not be greater than 599'] }) problems!: string[];
}

/** The one error body (DESIGN.md "API conventions"). */
export class ErrorDoc {
  @ApiProperty({ example: 'Forbidden' }) error!: string;
  @ApiProperty({ example: 'insufficient_scope' }) code!: string;
  @ApiProperty({ example: 'this action needs the reader role; the key has ingester' }) message!: string;
  @ApiProperty({ example: 'req_9fd12a3b4c5d' }) requestId!: string;
  @ApiPropertyOptional({ type: [ErrorDetailDoc] }) details?: ErrorDetailDoc[];
}
