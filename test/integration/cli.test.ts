/**
 * The `ucj` command as an operator uses it: `ucj stack` keeps the local stack up, and `ucj upload` and
 * `ucj validate` run as separate processes that use that stack instead of starting their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { LOCAL_BUCKET } from '../../tools/local/stack.ts';
import { generateSampleDataset } from '../../tools/sample/index.ts';

const run = promisify(execFile);
const UCJ = join(import.meta.dirname, '..', '..', 'bin', 'ucj.js');

let dir: string;
let stackProcess: ChildProcess;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucj-cli-'));
  env = { ...process.env, UCJ_LOCAL_DIR: join(dir, 'state'), UCJ_OUT_DIR: join(dir, 'out') };
  stackProcess = spawn(process.execPath, [UCJ, 'stack'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    stackProcess.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('inbox')) resolve();
    });
    stackProcess.once('exit', (code) => reject(new Error(`ucj stack exited with ${code}: ${output}`)));
  });
});

afterAll(async () => {
  if (stackProcess && stackProcess.exitCode === null) {
    const exited = new Promise((resolve) => stackProcess.once('exit', resolve));
    stackProcess.kill('SIGINT');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ucj against a running `ucj stack`', () => {
  it('uploads through the running stack, validates at once, and exits 1 on a rejected file', async () => {
    const info = JSON.parse(await readFile(join(dir, 'state', 'stack.json'), 'utf8')) as { endpoints: { s3: string } };
    const good = join(dir, 'lampung.csv');
    await writeFile(good, 'kode_wilayah;pekerja;peserta_aktif\n18.71;612.345;301.234\n');
    const ok = await run(process.execPath, [UCJ, 'upload', good, '--period', '2026-10'], { env });
    expect(ok.stdout).toContain('uploads/2026-10/lampung.csv: valid (1 rows)');
    expect(ok.stderr).toContain(`using the local stack already running (S3 ${info.endpoints.s3})`);

    // The object is in the long-running stack's bucket: the upload used it rather than a stack of its own.
    const s3 = new S3Client({ endpoint: info.endpoints.s3, region: 'ap-southeast-3', credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
    const object = await s3.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: 'uploads/2026-10/lampung.csv' }));
    expect(await object.Body!.transformToString()).toContain('18.71;612.345;301.234');
    s3.destroy();

    const bad = join(dir, 'salah.csv');
    await writeFile(bad, 'kode_wilayah,pekerja,peserta_aktif\n18.71,1000,lima\n');
    const rejected = await run(process.execPath, [UCJ, 'upload', bad, '--period', '2026-10'], { env }).catch((error: { code: number; stdout: string }) => error);
    expect('code' in rejected ? rejected.code : 0).toBe(1);
    expect(rejected.stdout).toContain('REJECTED, moved to quarantine/2026-10/salah.csv');
    expect(rejected.stdout).toContain('baris 2, kolom peserta_aktif');
  });

  it('refuses a targets file with errors before it reaches the bucket', async () => {
    const file = join(dir, 'target.csv');
    await writeFile(file, 'kode_wilayah;tahun;target_persen\nnasional;2026;145\n');
    const refused = await run(process.execPath, [UCJ, 'upload', file, '--key', 'targets/2026.csv'], { env }).catch((error: { code: number; stdout: string }) => error);
    expect('code' in refused ? refused.code : 0).toBe(1);
    expect(refused.stdout).toContain('targets/2026.csv: TIDAK SAH, tidak diunggah');
    expect(refused.stdout).toContain('baris 2, kolom target_persen');
  });

  it('writes a template with every province, from where the user stands', async () => {
    const out = join(dir, 'templat.csv');
    const made = await run(process.execPath, [UCJ, 'template', '--level', 'provinsi', '--format', 'csv', '--out', out], { env });
    expect(made.stdout).toContain('template provinsi, csv');
    const bytes = await readFile(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM that makes Excel read UTF-8
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines).toHaveLength(39);
    expect(lines[0]).toMatch(/^kode_wilayah,nama_wilayah,periode,pekerja,peserta_aktif/);
    expect(lines.map((l) => l.split(',')[0])).toContain('18');
  });

  it('takes the AWS path with --stack: finds the stack by its CloudFormation outputs, then uploads, runs, delivers, reminds', async () => {
    // The running local stack answers CloudFormation's DescribeStacks for `ucj-local` with the outputs a
    // deployed stack has; only the endpoints come from the environment (AWS's own without them).
    const info = JSON.parse(await readFile(join(dir, 'state', 'stack.json'), 'utf8')) as { endpoints: Record<string, string> };
    const aws = {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'ap-southeast-3',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CLOUDFORMATION_ENDPOINT: info.endpoints.cloudformation!,
      S3_ENDPOINT: info.endpoints.s3!,
      DYNAMODB_ENDPOINT: info.endpoints.dynamodb!,
      LAMBDA_ENDPOINT: info.endpoints.lambda!,
      SQS_ENDPOINT: info.endpoints.sqs!,
      // The local queue's counts are exact; SQS's need the minute the command waits by default.
      UCJ_QUEUE_SETTLE_MS: '250',
      // No UCJ_LOCAL_DIR: nothing of the local state folder is used.
      UCJ_LOCAL_DIR: join(dir, 'not-used'),
    };
    const ucj = (...args: string[]) => run(process.execPath, [UCJ, ...args, '--stack', 'ucj-local'], { env: aws, maxBuffer: 16 * 1024 * 1024 });
    const dataset = await generateSampleDataset({ lastPeriod: '2026-09', months: 1 });
    const files = await Promise.all(
      [dataset.recipients, ...dataset.targets, ...dataset.uploads].map(async (file) => {
        const path = join(dir, file.key.replaceAll('/', '_'));
        await writeFile(path, file.content);
        return { key: file.key, path };
      }),
    );
    for (const { key, path } of files.filter((f) => !f.key.startsWith('uploads/'))) expect((await ucj('upload', path, '--key', key)).stdout).toContain(`uploaded ${key}`);
    const upload = files.find((f) => f.key.startsWith('uploads/'))!;
    const uploaded = await ucj('upload', upload.path, '--period', '2026-09');
    expect(uploaded.stdout).toMatch(/uploads\/2026-09\/.*: valid \(514 rows\)/);
    expect(uploaded.stderr).not.toContain('using the local stack');

    const month = await ucj('run', '--period', '2026-09');
    expect(month.stdout).toContain('monthly run September 2026 (2026-09): succeeded');
    expect(month.stdout).toContain('bulletins written  553');
    expect(month.stdout).toMatch(/emails sent {8}39\b/);
    expect(month.stdout).not.toContain('out/bulletins'); // copied out only from a local run

    expect((await ucj('history', '--region', '18')).stdout).toMatch(/^2026-09 v1 {2}peserta \d+/m);
    expect((await ucj('deliver', '--period', '2026-09')).stdout).toContain('deliveries for 2026-09: 39 emails sent, 0 refused by SES, 0 in doubt');
    const reminded = await ucj('remind', '--period', '2026-09');
    expect(reminded.stdout).toContain('provinces without a valid upload: none');

    const unknown = await run(process.execPath, [UCJ, 'run', '--period', '2026-09', '--stack', 'NoSuchStack'], { env: aws }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in unknown ? unknown.code : 0).toBe(1);
    expect(unknown.stderr).toContain('Stack with id NoSuchStack does not exist');
  });

  it('validates offline with the exit codes and JSON of docs/architecture.md, "Command line"', async () => {
    const file = join(dir, 'offline.csv');
    await writeFile(file, 'kode_wilayah,periode,pekerja,peserta_aktif\n18.71,2026-10,1000,500\n99.01,2026-10,1000,500\n');
    const result = await run(process.execPath, [UCJ, 'validate', file, '--json'], { env }).catch((error: { code: number; stdout: string }) => error);
    expect('code' in result ? result.code : 0).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; rows: number; errors: Array<{ row: number; column: string; code: string }> };
    expect(report.ok).toBe(false);
    expect(report.rows).toBe(2);
    expect(report.errors.map((e) => [e.row, e.column, e.code])).toEqual([[3, 'kode_wilayah', 'KODE_TIDAK_DIKENAL']]);

    const unusable = await run(process.execPath, [UCJ, 'validate', file, '--period', '2026-13'], { env }).catch((error: { code: number }) => error);
    expect('code' in unusable ? unusable.code : 0).toBe(2);
  });
});
