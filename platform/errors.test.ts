import { maskError } from './errors.js';

describe('error masking', () => {
  test('public codes pass with their message; stack traces are dropped', () => {
    const masked = maskError({
      message: 'Email taken',
      extensions: { code: 'BAD_USER_INPUT', field: 'email', stacktrace: ['x'] },
    });
    expect(masked).toEqual({ message: 'Email taken', extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
  });

  test('anything else becomes INTERNAL_SERVER_ERROR with the request id and no detail', () => {
    const masked = maskError(
      {
        message: 'duplicate key value violates unique constraint "users_pkey"',
        path: ['register'],
        extensions: { code: 'SOMETHING' },
      },
      'req-123',
    );
    expect(masked).toEqual({
      message: 'Internal server error',
      path: ['register'],
      locations: undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-123' },
    });
    expect(JSON.stringify(maskError({ message: 'select * from users' }))).not.toContain('select');
  });
});
