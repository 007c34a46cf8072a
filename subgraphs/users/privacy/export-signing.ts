import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Download links of data exports: `/exports/<id>?expires=<unix seconds>&signature=<hex>`, the
 * signature an HMAC-SHA256 of the id and the expiry, so neither can be changed.
 */
export class ExportLinks {
  constructor(private readonly secret: string) {}

  signature(exportId: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`data-export:${exportId}:${expires}`).digest('hex');
  }

  /** The path and query of a link valid until `expiresAt`. */
  path(exportId: string, expiresAt: Date): string {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    return `/exports/${exportId}?expires=${expires}&signature=${this.signature(exportId, expires)}`;
  }

  /** Compared in constant time; a malformed signature is simply wrong. */
  verify(exportId: string, expires: number, signature: string): boolean {
    if (!/^[0-9a-f]{64}$/.test(signature)) return false;
    return timingSafeEqual(Buffer.from(this.signature(exportId, expires), 'hex'), Buffer.from(signature, 'hex'));
  }
}
