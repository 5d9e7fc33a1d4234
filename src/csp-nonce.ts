/**
 * A fresh Content-Security-Policy nonce: the report panel, the folder-scan table and the HTML report each tag their
 * own scripts and styles with one, so nothing else on the page can run.
 */
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}
