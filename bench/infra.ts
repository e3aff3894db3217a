/**
 * Issue 7: `bundle_kb_<function>` (each function's minified index.mjs, fonts and the copied node_modules
 * aside, target < 1,500 kB) and `cold_init_ms_<function>` (importing that bundle in a fresh Node process
 * with placeholder environment, median of 5, target < 300 ms). Synthesizes the app once into a temp dir.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../infra/config.ts';
import { REPO_ROOT } from '../infra/constructs/function.ts';
import { UcjBulletinStack } from '../infra/stack.ts';
import { median, report } from './report.ts';
import { lambdaEnvironment } from '../test/support/lambda-env.ts';

const FUNCTIONS = {
  ValidateUpload: 'validate-upload',
  MonthlyRun: 'monthly-run',
  RenderBulletins: 'render-bulletins',
  DeliverBulletin: 'deliver-bulletin',
  RemindUploads: 'remind-uploads',
} as const;
const INIT_RUNS = 5;

type LambdaResource = { Properties: { Code: { S3Key: string }; Environment?: { Variables: Record<string, unknown> } } };

/** Imports the bundle in a fresh process and returns how long the import took inside it (Node's own start aside). */
function coldInitMs(assetDir: string, env: Record<string, string>): number {
  const script =
    "const t = performance.now(); await import('./index.mjs'); process.stdout.write(String(performance.now() - t));";
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: assetDir,
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'ap-southeast-3', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`bundle in ${assetDir} failed to load: ${child.stderr.slice(-1000)}`);
  return Number(child.stdout.trim());
}

export async function benchInfra(): Promise<void> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'ucj-bench-infra-'));
  try {
    const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    const app = new App({ outdir, context: cdkJson.context });
    const stack = new UcjBulletinStack(app, 'UcjBulletin', {
      config: loadConfig(app.node),
      env: { account: '123456789012', region: 'ap-southeast-3' },
    });
    const resources = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<string, LambdaResource>;

    for (const [id, name] of Object.entries(FUNCTIONS)) {
      const matches = Object.entries(resources).filter(([logicalId]) => logicalId.startsWith(`Functions${id}`));
      if (matches.length !== 1) throw new Error(`expected one function Functions${id}*, found ${matches.length}`);
      const fn = matches[0]![1];
      const assetDir = path.join(outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      report(`bundle_kb_${name}`, statSync(path.join(assetDir, 'index.mjs')).size / 1024, 'kb', { target: 1500 });

      // Deploy-time values (bucket name, queue URL...) become placeholders, as in test/infra.
      const env = lambdaEnvironment(fn.Properties.Environment?.Variables ?? {});
      const runs = Array.from({ length: INIT_RUNS }, () => coldInitMs(assetDir, env));
      report(`cold_init_ms_${name}`, median(runs), 'ms', { target: 300, runs: INIT_RUNS });
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
