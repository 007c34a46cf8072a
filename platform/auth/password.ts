import { randomBytes } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';

/** argon2id (memory-hard), in WebAssembly so the install carries no native addon. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, encoded: string): Promise<boolean>;
}

export function createPasswordHasher(options: { memoryKiB: number; iterations: number }): PasswordHasher {
  return {
    hash(password) {
      return argon2id({
        password,
        salt: randomBytes(16),
        parallelism: 1,
        iterations: options.iterations,
        memorySize: options.memoryKiB,
        hashLength: 32,
        outputType: 'encoded',
      });
    },
    async verify(password, encoded) {
      try {
        return await argon2Verify({ password, hash: encoded });
      } catch {
        return false;
      }
    },
  };
}
