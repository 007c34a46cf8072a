// Jest runs the compiled tests in dist/ (ES modules, no transform): what runs is what ships.
export default {
  testEnvironment: 'node',
  transform: {},
  roots: ['<rootDir>/dist'],
  testMatch: ['**/*.test.js'],
  globalSetup: '<rootDir>/dist/tests/support/global-setup.js',
  globalTeardown: '<rootDir>/dist/tests/support/global-teardown.js',
  testTimeout: 60_000,
  maxWorkers: 1,
};
