/**
 * Each function's timeout and memory, which the CDK app deploys and the local Lambda emulator enforces,
 * so a local run is cut short where a deployed one would be. Why each value: infra/constructs/functions.ts.
 */
export interface FunctionSizing {
  timeoutSeconds: number;
  memoryMb: number;
}

export const FUNCTION_SIZING = {
  validateUpload: { timeoutSeconds: 60, memoryMb: 1024 },
  monthlyRun: { timeoutSeconds: 900, memoryMb: 1024 },
  renderBulletins: { timeoutSeconds: 120, memoryMb: 1769 },
  deliverBulletin: { timeoutSeconds: 120, memoryMb: 512 },
  remindUploads: { timeoutSeconds: 60, memoryMb: 512 },
  downloadBulletin: { timeoutSeconds: 10, memoryMb: 256 },
  rotateLinkKey: { timeoutSeconds: 30, memoryMb: 256 },
  portal: { timeoutSeconds: 15, memoryMb: 512 },
} as const satisfies Record<string, FunctionSizing>;

/**
 * render-bulletins' reserved concurrency, and so the most batches monthly-run has in flight: a month of
 * 553 bulletins in batches of 40 is 14 batches. Reserving needs an account limit of at least this plus
 * the 100 Lambda keeps unreserved (docs/deploy.md, "Lambda concurrency").
 */
export const DEFAULT_RENDER_CONCURRENCY = 10;
