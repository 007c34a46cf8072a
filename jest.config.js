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
  // In CI a handle some failed test left open (a child process, a socket) must not hold the
  // finished run until CI's own timeout; locally Jest still waits, and says so.
  forceExit: process.env.CI === 'true',
};
