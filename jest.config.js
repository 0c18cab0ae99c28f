/** Jest: TypeScript through SWC (keeps decorator metadata for Nest), lib aliases as in tsconfig.json. */
const libs = ['schema', 'parsers', 'correlation', 'store', 'config', 'ingest', 'network', 'samples', 'traces', 'queue', 'metrics', 'http', 'detection', 'alerts'];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      swcrc: false,
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
      },
    }],
  },
  moduleNameMapper: Object.fromEntries(libs.map((l) => [`^@denytrace/${l}$`, `<rootDir>/libs/${l}/src`])),
  testTimeout: 120000,
  globalTeardown: '<rootDir>/test/redis-teardown.js',
};
