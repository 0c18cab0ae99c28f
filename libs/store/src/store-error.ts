/**
 * Why a store call failed, as a stable word callers can branch on (never on message text):
 * - `unusable_data_dir`: the data directory cannot be created or is not a writable directory;
 * - `corrupt`: the database file is not a readable database (or is from a newer schema);
 * - `invalid_argument`: a bad time, cursor, limit or group-by column from the caller;
 * - `closed`: the store was used after `close()`;
 * - `unavailable`: a store server (Elasticsearch) cannot be reached, or refused the credentials;
 * - `backend`: a store server answered with an error the caller cannot fix by retrying its input.
 */
export type StoreErrorCode = 'unusable_data_dir' | 'corrupt' | 'invalid_argument' | 'closed' | 'unavailable' | 'backend';

/**
 * The one error class `libs/store` throws. The message names the path or argument at fault;
 * `cause` keeps the driver's own error when there is one.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
