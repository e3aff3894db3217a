/** JSON text or bytes, parsed; undefined when it is not JSON, so the caller's schema reports what was wrong. */
export function parseJsonOrUndefined(text: string | Uint8Array): unknown {
  try {
    return JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch {
    return undefined;
  }
}
