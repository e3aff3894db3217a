/** The `ucj` command line (docs/architecture.md, "Command line"). Returns the exit code. */
import { parseArgs } from 'node:util';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isPeriod, periodNameId, previousPeriodInJakarta } from '../../lib/domain/period.ts';
import { displayName, loadRegionIndex } from '../../lib/domain/regions.ts';
import { computeFromFiles } from '../../lib/jobs/compute-files.ts';
import { validateFigures } from '../../lib/inputs/figures.ts';
import { templateFileName, uploadTemplate } from '../../lib/inputs/template.ts';
import { validateTargets } from '../../lib/inputs/targets.ts';
import { validateRecipients } from '../../lib/inputs/recipients.ts';
import { describeIssue } from '../../lib/delivery/validation-email.ts';
import { announceStack, startLocalStack, type LocalStack, type LocalStackOptions } from '../local/stack.ts';
import { readFaults } from '../../lib/aws/faults.ts';
import { generateSampleDataset, type SampleFile } from '../sample/index.ts';
import { bulletinsPrefix, RECIPIENTS_KEY, uploadsPrefix } from '../../lib/storage/keys.ts';
import { UPLOAD_LIMITS } from '../../lib/inputs/limits.ts';
import type { MonthlyRunSummary } from '../../lib/jobs/monthly-run.ts';
import type { RunProgress } from '../../lib/history/store.ts';
import { deploymentOfStack, type Deployment } from './deployment.ts';
import { awaitDeliveries, deliveryCounts, remindOn, resendDeliveries, runMonthOn, syncUsersOn, uploadFiles, type DeliveryCounts } from './operations.ts';
import { progressLine } from './progress.ts';
import { ensureLocalPortalUsers, signInLines } from '../local/portal-users.ts';

const USAGE = `ucj — Universal Coverage Jamsostek bulletins

  ucj demo                                  the monthly job on sample data, on the embedded local stack (npm start)
  ucj stack                                 start the local stack and keep it up until interrupted
  ucj upload FILE... [--period YYYY-MM | --key KEY]
                                            put files into the bucket (figures under uploads/<period>/) and show their verdicts
  ucj run --period YYYY-MM                  the month's job: compute, snapshots, bulletins, emails
  ucj deliver --period YYYY-MM [--resend-in-doubt | --resend-failed] [--email ADDRESS]
                                            wait for queued deliveries; list, or resend after checking, those in doubt or refused
  ucj remind [--period YYYY-MM]             remind admins whose regions have not uploaded the month
  ucj users [--dry-run]                     give everyone in config/recipients.csv a portal user (Cognito emails
                                            the invitation) and disable the users no longer listed
  ucj history --region CODE [--json]        a region's snapshots
  ucj validate FILE [--period YYYY-MM] [--kind figures|targets|recipients] [--json]
                                            validate a file offline: exit 0 valid, 1 invalid, 2 bad arguments
  ucj compute --period YYYY-MM [--targets FILE] [--groups FILE] [--json] FILE...
                                            the month's figures from files, offline (earlier months in them are history)
  ucj template [--level provinsi|kabkota] [--format xlsx|csv] [--period YYYY-MM] [--out FILE]
                                            a blank upload file with every region's code and name

upload, run, deliver, remind, users and history work on the local stack unless --stack NAME (or UCJ_STACK) names a
deployed CloudFormation stack; AWS credentials and region then come from the usual chain (AWS_PROFILE,
AWS_REGION, ...). Local state lives in .ucj-local/ (UCJ_LOCAL_DIR to change); bulletins of a local run are
copied to out/bulletins/.`;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'demo':
        return await demo(rest);
      case 'stack':
        return await stack();
      case 'upload':
        return await upload(rest);
      case 'run':
        return await run(rest);
      case 'validate':
        return await validate(rest);
      case 'history':
        return await history(rest);
      case 'template':
        return await template(rest);
      case 'compute':
        return await compute(rest);
      case 'deliver':
        return await deliverPending(rest);
      case 'remind':
        return await remind(rest);
      case 'users':
        return await users(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`ucj: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`ucj: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

const localDir = () => resolve(process.env.UCJ_LOCAL_DIR ?? '.ucj-local');
const outDir = () => resolve(process.env.UCJ_OUT_DIR ?? 'out');
const shown = (path: string) => relative(process.cwd(), path) || '.';
/**
 * A path the user typed. `npm run ucj` runs in the package root, so paths are taken from where the
 * user stood (INIT_CWD), while state and outputs stay in the checkout.
 */
const userPath = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);

function requirePeriod(value: string | undefined, flag = '--period'): string {
  if (!value) throw new UsageError(`${flag} YYYY-MM is required`);
  if (!isPeriod(value)) throw new UsageError(`${flag} must be YYYY-MM, got ${JSON.stringify(value)}`);
  return value;
}

/** `--stack NAME` or UCJ_STACK: a deployed stack; neither: the local stack (started here, or the running `ucj stack`). */
const STACK_OPTION = { stack: { type: 'string' } } as const;

interface Target {
  deployment: Deployment;
  /** Only for the local stack: where its outbox and bulletins are. */
  local?: LocalStack;
}

/**
 * What this process's environment adds to a local stack it starts: settings (`LEASE_TTL_MS=…`,
 * `RENDER_BATCH_SIZE=…`) and, for tests that run `ucj` in a child process, faults (`UCJ_FAULTS`).
 */
function fromEnvironment(): Pick<LocalStackOptions, 'settings' | 'faults'> {
  return { settings: process.env, faults: readFaults(process.env) };
}

async function withTarget<T>(stackName: string | undefined, work: (target: Target) => Promise<T>): Promise<T> {
  const name = stackName ?? process.env.UCJ_STACK;
  if (name) return work({ deployment: await deploymentOfStack(name) });
  const local = await startLocalStack(localDir(), fromEnvironment());
  if (!local.owned) process.stderr.write(`using the local stack already running (S3 ${local.endpoints.s3})\n`);
  try {
    return await work({ deployment: local.deployment, local });
  } finally {
    await local.close();
  }
}

async function stack(): Promise<number> {
  const running = await startLocalStack(localDir(), { attach: false, ...fromEnvironment() });
  const signIns = await ensureLocalPortalUsers(running.deployment);
  await announceStack(running);
  process.stdout.write(
    [
      `local stack up (state in ${shown(running.dir)}); Ctrl-C to stop`,
      `  S3              ${running.endpoints.s3}  (bucket ${running.deployment.outputs.BucketName})`,
      `  DynamoDB        ${running.endpoints.dynamodb}  (table ${running.deployment.outputs.TableName})`,
      `  SES v2          ${running.endpoints.ses}  (account state: ${shown(running.sesAccountFile)})`,
      `  Lambda          ${running.endpoints.lambda}`,
      `  SQS             ${running.endpoints.sqs}`,
      `  CloudFormation  ${running.endpoints.cloudformation}  (stack ${running.stackName}: ucj … --stack ${running.stackName} takes the AWS path)`,
      `  downloads       ${running.endpoints.download}`,
      `  inbox           ${running.endpoints.inbox}`,
      `  outbox          ${shown(running.outboxDir)}`,
      `  portal          ${running.endpoints.portal}  (open it in a browser; users from config/recipients.csv, e.g.:)`,
      ...signInLines(signIns),
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await running.close();
  return 0;
}

async function upload(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { period: { type: 'string' }, key: { type: 'string' }, ...STACK_OPTION },
  });
  if (positionals.length === 0) throw new UsageError('upload needs at least one FILE');
  if (values.key && positionals.length > 1) throw new UsageError('--key takes exactly one FILE');
  if (values.key && values.period) throw new UsageError('give --period or --key, not both');
  const period = values.key ? undefined : requirePeriod(values.period ?? previousPeriodInJakarta(new Date()));
  const files = await Promise.all(
    positionals.map(async (file) => ({ key: values.key ?? `${uploadsPrefix(period!)}${basename(file)}`, body: await readFile(userPath(file)) })),
  );
  // Configuration files have no validate-upload of their own: check them here, and upload nothing wrong.
  if (values.key) {
    const check = await validateConfigFile(values.key, files[0]!.body);
    if (check && !check.ok) {
      process.stdout.write(`${values.key}: TIDAK SAH, tidak diunggah\n`);
      for (const issue of check.errors) process.stdout.write(`  ${describeIssue(issue)}\n`);
      return 1;
    }
  }
  return withTarget(values.stack, async ({ deployment }) => {
    const progress = progressLine();
    const results = await uploadFiles(deployment, files, { onUploaded: (done) => progress.show(`uploaded ${done}/${files.length}; waiting for the verdicts`) });
    progress.done();
    let rejected = 0;
    for (const result of results) {
      process.stdout.write(`uploaded ${result.key}${result.versionId ? ` (version ${result.versionId})` : ''}\n`);
      const { report } = result;
      if (!report) continue;
      if (!report.ok) rejected += 1;
      process.stdout.write(`  ${report.key}: ${report.ok ? 'valid' : `REJECTED, moved to ${report.quarantinedTo}`} (${report.rowCount} rows)\n`);
      for (const issue of report.errors) process.stdout.write(`    ${describeIssue(issue)}\n`);
      if (report.notified.length > 0) process.stdout.write(`    reported to ${report.notified.join(', ')}\n`);
    }
    return rejected > 0 ? 1 : 0;
  });
}

async function deliverPending(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { period: { type: 'string' }, 'resend-in-doubt': { type: 'boolean' }, 'resend-failed': { type: 'boolean' }, email: { type: 'string', multiple: true }, ...STACK_OPTION },
  });
  const period = requirePeriod(values.period);
  if (values['resend-in-doubt'] && values['resend-failed']) throw new UsageError('give --resend-in-doubt or --resend-failed, not both');
  return withTarget(values.stack, async ({ deployment }) => {
    const resend = values['resend-in-doubt'] ? 'claimed' : values['resend-failed'] ? 'failed' : undefined;
    if (resend) {
      // The operator has checked these: in doubt, that they did not arrive; refused, that the cause is fixed.
      for (const key of await resendDeliveries(deployment, period, resend, values.email)) process.stdout.write(`queued again: ${key}\n`);
    }
    for (const entry of await deployment.deliveries.entries(period, 'failed')) {
      const reason = entry.state.status === 'failed' ? entry.state.reason : '';
      process.stdout.write(`refused: ${entry.recipientKey}: ${reason}. Fix it, then: ucj deliver --period ${period} --resend-failed --email <address>\n`);
    }
    const counts = await watchDeliveries(deployment, period);
    process.stdout.write(`deliveries for ${period}: ${counts.sent} emails sent, ${counts.refused} refused by SES, ${counts.inDoubt.length} in doubt\n`);
    return counts.inDoubt.length === 0 ? 0 : 1;
  });
}

async function remind(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { period: { type: 'string' }, ...STACK_OPTION } });
  const period = values.period ? requirePeriod(values.period) : undefined;
  return withTarget(values.stack, async ({ deployment }) => {
    const result = await remindOn(deployment, period ? { period } : {});
    process.stdout.write(
      [
        `provinces without a valid upload: ${result.missing.length ? result.missing.join(', ') : 'none'}`,
        `reminded: ${result.reminded.length ? result.reminded.join(', ') : 'nobody'}`,
        ...(result.alreadyReminded.length ? [`already reminded today: ${result.alreadyReminded.join(', ')}`] : []),
        ...result.refused.map((r) => `refused by SES: ${r.email}: ${r.reason}`),
        '',
      ].join('\n'),
    );
    return 0;
  });
}

/**
 * The portal's users brought in line with the deployment's config/recipients.csv: created (and invited),
 * disabled when no longer listed, enabled when listed again. `--dry-run` lists the changes only.
 */
async function users(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, ...STACK_OPTION } });
  const dryRun = values['dry-run'] ?? false;
  return withTarget(values.stack, async ({ deployment }) => {
    const line = progressLine();
    const result = await syncUsersOn(deployment, { dryRun, onProgress: (done, total) => line.show(`users changed ${done}/${total}`) });
    line.done();
    if (result.outcome === 'refused') {
      process.stderr.write(`ucj: ${result.reason}; no user changed\n`);
      return 1;
    }
    if (result.outcome === 'invalid') {
      process.stdout.write(`${result.fileName}: TIDAK SAH, no user changed\n`);
      for (const issue of result.validation.errors) process.stdout.write(`  ${describeIssue(issue)}\n`);
      return 1;
    }
    const { plan, userPoolId } = result;
    const verb = (done: string, would: string) => (dryRun ? `would ${would}` : done);
    const lines = [
      ...plan.create.map((user) => `${verb('created', 'create')}: ${user.email} (${user.name})`),
      ...plan.disable.map((email) => `${verb('disabled', 'disable')}: ${email}`),
      ...plan.enable.map((email) => `${verb('enabled', 'enable')}: ${email}`),
      `users of ${userPoolId}${dryRun ? ' (dry run, nothing changed)' : ''}: ${plan.create.length} ${verb('created', 'be created')}, ${plan.disable.length} ${verb('disabled', 'be disabled')}, ${plan.enable.length} ${verb('enabled', 'be enabled')}, ${plan.unchanged.length} unchanged`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

/** Targets and recipients are validated before they reach the bucket; other keys are not ours to judge. */
async function validateConfigFile(key: string, body: Buffer) {
  const regions = await loadRegionIndex();
  if (/^targets\/\d{4}\.(csv|xlsx|json)$/.test(key)) return validateTargets(body, key, regions);
  if (key === RECIPIENTS_KEY) return validateRecipients(body, key, regions);
  return undefined;
}

async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { period: { type: 'string' }, ...STACK_OPTION } });
  const period = requirePeriod(values.period);
  return withTarget(values.stack, (target) => runMonthAndDeliver(target, period, Date.now()));
}

const progressText = (progress: RunProgress) =>
  [
    progress.stage,
    progress.regionsComputed !== undefined ? `regions computed ${progress.regionsComputed}` : undefined,
    progress.bulletinsTotal ? `bulletins rendered ${progress.bulletinsRendered ?? 0}/${progress.bulletinsTotal}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');

/** Waits for the month's queued emails, showing the count, and says which deliveries are in doubt. */
async function watchDeliveries(deployment: Deployment, period: string): Promise<DeliveryCounts> {
  const line = progressLine();
  const counts = await awaitDeliveries(deployment, period, { onProgress: (c) => line.show(`emails sent ${c.sent}, refused ${c.refused}`) });
  line.done();
  for (const key of counts.inDoubt) {
    process.stderr.write(`in doubt: ${key} was claimed but never confirmed (a crash around the SES call). Check, then: ucj deliver --period ${period} --resend-in-doubt\n`);
  }
  return counts;
}

/** Where this month can be browsed: the running stack's portal, or how to start one (this process's stops with it). */
function portalHint(local: LocalStack): string {
  return local.owned
    ? 'portal: run `npm run ucj -- stack` and open the address it prints (it lists a sign-in for an admin, an official and an operator)\n'
    : `portal: ${local.endpoints.portal}\n`;
}

/**
 * The month's job as the schedule runs it, then its deliveries, then (locally) the bulletins copied out;
 * prints the summary and returns the exit code. `before` prints lines that belong above the summary.
 */
async function runMonthAndDeliver({ deployment, local }: Target, period: string, started: number, before = ''): Promise<number> {
  const sentBefore = await deliveryCounts(deployment, period);
  const line = progressLine();
  const summary = await runMonthOn(deployment, { period }, (progress) => line.show(progressText(progress)));
  line.done();
  const after = await watchDeliveries(deployment, period);
  const copied = local ? await copyBulletins(deployment, period) : undefined;
  process.stdout.write(before);
  if (local) process.stdout.write(portalHint(local));
  printSummary(summary, { sent: after.sent - sentBefore.sent, refused: after.refused - sentBefore.refused, inDoubt: after.inDoubt }, copied, local, (Date.now() - started) / 1000);
  const clean = summary.outcome === 'succeeded' && summary.deliveriesHeld === 0 && after.inDoubt.length === 0;
  return clean ? 0 : 1;
}

const VALIDATE_KINDS = ['figures', 'targets', 'recipients'] as const;

async function validate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { period: { type: 'string' }, json: { type: 'boolean' }, kind: { type: 'string', default: 'figures' } },
  });
  if (positionals.length !== 1) throw new UsageError('validate takes exactly one FILE');
  const kind = values.kind as (typeof VALIDATE_KINDS)[number];
  if (!VALIDATE_KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${VALIDATE_KINDS.join(', ')}`);
  const file = positionals[0]!;
  const period = values.period ? requirePeriod(values.period) : undefined;
  let bytes: Buffer;
  try {
    bytes = await readFile(userPath(file));
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  const regions = await loadRegionIndex();
  const fileName = basename(file);
  const result =
    kind === 'targets'
      ? { ...await validateTargets(bytes, fileName, regions), warnings: [] }
      : kind === 'recipients'
        ? { ...await validateRecipients(bytes, fileName, regions), warnings: [] }
        : await validateFigures(bytes, { fileName, period, regions });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ok: result.ok, rows: result.rowCount, errors: result.errors, warnings: result.warnings }, null, 2)}\n`);
  } else {
    process.stdout.write(`${file}: ${result.ok ? 'sah' : 'TIDAK SAH'} (${result.rowCount} baris, ${result.errors.length} kesalahan, ${result.warnings.length} peringatan)\n`);
    for (const issue of result.errors) process.stdout.write(`  kesalahan  ${describeIssue(issue)}\n`);
    for (const issue of result.warnings) process.stdout.write(`  peringatan ${describeIssue(issue)}\n`);
  }
  return result.ok ? 0 : 1;
}

async function compute(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { period: { type: 'string' }, targets: { type: 'string' }, groups: { type: 'string' }, json: { type: 'boolean' } },
  });
  const period = requirePeriod(values.period);
  if (positionals.length === 0) throw new UsageError('compute needs at least one FILE');
  const read = async (file: string) => {
    try {
      return { name: basename(file), bytes: await readFile(userPath(file)) };
    } catch {
      throw new UsageError(`cannot read ${file}`);
    }
  };
  const result = await computeFromFiles({
    period,
    files: await Promise.all(positionals.map(read)),
    targets: values.targets ? await read(values.targets) : undefined,
    groups: values.groups ? await read(values.groups) : undefined,
    regions: await loadRegionIndex(),
  });
  if (!result.ok) {
    for (const { file, errors } of result.fileErrors) {
      process.stderr.write(`${file}: TIDAK SAH\n`);
      for (const issue of errors) process.stderr.write(`  ${describeIssue(issue)}\n`);
    }
    return 1;
  }
  const { month, notes } = result;
  if (values.json) {
    const { warnings, ...figures } = month;
    process.stdout.write(`${JSON.stringify({ ...figures, warnings: warnings.map((w) => w.message), notes }, null, 2)}\n`);
    return 0;
  }
  const pct = (x: number | null) => (x === null ? '–' : `${x.toFixed(2)}%`);
  const line = (f: (typeof month)['national']) =>
    `${(f.rank ?? '').toString().padStart(3)} ${f.code.padEnd(20)} ${displayName(f).padEnd(28)} ${String(f.active ?? '–').padStart(11)} ${String(f.eligible ?? '–').padStart(11)} ${pct(f.coveragePct).padStart(8)} ${pct(f.targetPct).padStart(8)}  ${f.status}`;
  process.stdout.write(`${periodNameId(period)} (${period})\n    kode                 wilayah                          peserta     pekerja  cakupan   target  status\n`);
  for (const f of [month.national, ...month.groups, ...month.provinces]) process.stdout.write(`${line(f)}\n`);
  if (month.missing.length > 0) process.stdout.write(`belum melapor: ${month.missing.join(', ')}\n`);
  for (const note of [...month.warnings.map((w) => w.message), ...notes]) process.stdout.write(`! ${note}\n`);
  return 0;
}

async function template(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      level: { type: 'string', default: 'kabkota' },
      format: { type: 'string', default: 'xlsx' },
      period: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values.level !== 'provinsi' && values.level !== 'kabkota') throw new UsageError('--level must be provinsi or kabkota');
  if (values.format !== 'csv' && values.format !== 'xlsx') throw new UsageError('--format must be csv or xlsx');
  const period = values.period ? requirePeriod(values.period) : undefined;
  const options = { level: values.level, format: values.format, period } as const;
  const bytes = await uploadTemplate({ ...options, regions: await loadRegionIndex() });
  const out = userPath(values.out ?? templateFileName(options));
  await writeFile(out, bytes);
  process.stdout.write(`${shown(out)}: template ${options.level}, ${options.format}${period ? `, periode ${period}` : ''}\n`);
  return 0;
}

async function history(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { region: { type: 'string' }, json: { type: 'boolean' }, ...STACK_OPTION } });
  if (!values.region) throw new UsageError('--region CODE is required');
  const code = values.region;
  return withTarget(values.stack, async ({ deployment }) => {
    const snapshots = await deployment.history.regionSnapshots(code);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(snapshots, null, 2)}\n`);
      return 0;
    }
    if (snapshots.length === 0) process.stdout.write(`no snapshots for ${code}\n`);
    for (const s of snapshots) {
      const f = s.figures;
      const files = s.sources.map((source) => source.key.split('/').at(-1)).join(', ');
      const more = (s.sourceCount ?? s.sources.length) - s.sources.length;
      process.stdout.write(
        `${s.period} v${s.version}  peserta ${f.active ?? '–'}  pekerja ${f.eligible ?? '–'}${f.eligibleFrom ? ` (dari ${f.eligibleFrom})` : ''}  cakupan ${f.coveragePct?.toFixed(2) ?? '–'}%  ${f.status}  dibuat ${s.createdAt}  sumber ${files}${more > 0 ? ` dan ${more} lagi` : ''}\n`,
      );
    }
    return 0;
  });
}

/** `npm start`: sample data for the 13 months to last month, uploaded, history backfilled, the month run and delivered. */
async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { period: { type: 'string' } } });
  const started = Date.now();
  const period = values.period ? requirePeriod(values.period) : previousPeriodInJakarta(new Date());
  return withTarget(undefined, async (target) => {
    const { deployment } = target;
    const dataset = await generateSampleDataset({ lastPeriod: period });
    const asUpload = (file: SampleFile) => ({ key: file.key, body: Buffer.from(file.content) });
    await uploadFiles(deployment, [dataset.recipients, ...dataset.targets].map(asUpload));
    const line = progressLine();
    const results = await uploadFiles(deployment, dataset.uploads.map(asUpload), {
      onUploaded: (done) => line.show(`sample uploads ${done}/${dataset.uploads.length}`),
    });
    line.done();
    const rejected = results.filter((r) => r.report && !r.report.ok).length;
    // Earlier months become history (snapshots only: no bulletins, no emails) unless a previous start kept them.
    let backfilled = 0;
    for (const earlier of dataset.periods.filter((p) => p !== period)) {
      if ((await deployment.history.monthSnapshots(earlier)).size > 0) continue;
      line.show(`backfilling history: ${earlier}`);
      await runMonthOn(deployment, { period: earlier, snapshotsOnly: true });
      backfilled += 1;
    }
    line.done();
    const sample = `sample data: ${dataset.uploads.length} monthly uploads (${dataset.periods[0]} to ${period}), ${rejected} rejected; ${backfilled} earlier months backfilled into history\n`;
    return runMonthAndDeliver(target, period, started, sample);
  });
}

async function copyBulletins(deployment: Deployment, period: string): Promise<{ dir: string; count: number }> {
  const dir = join(outDir(), 'bulletins', period);
  const prefix = bulletinsPrefix(period);
  let count = 0;
  for (const summary of await deployment.store.list(prefix)) {
    const object = await deployment.store.get(summary.key, { maxBytes: UPLOAD_LIMITS.maxBytes });
    if (!object) continue;
    const target = join(dir, summary.key.slice(prefix.length));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, object.body);
    count += 1;
  }
  return { dir, count };
}

function printSummary(
  summary: MonthlyRunSummary,
  delivery: DeliveryCounts,
  copied: { dir: string; count: number } | undefined,
  local: LocalStack | undefined,
  seconds: number,
): void {
  const unsent = summary.deliveriesQueued - delivery.sent - delivery.refused - delivery.inDoubt.length;
  const lines = [
    `monthly run ${periodNameId(summary.period)} (${summary.period}): ${summary.outcome}${summary.reason ? ` — ${summary.reason}` : ''}`,
    ...(summary.tookOverFrom ? [`  took over          the month from run ${summary.tookOverFrom}, which stopped without finishing it`] : []),
    `  regions computed   ${summary.regionsComputed} (${summary.missing.length} missing)`,
    `  snapshots written  ${summary.snapshotsWritten}${summary.snapshotsWritten === 0 ? ' (history already up to date)' : ''}`,
    `  bulletins written  ${summary.bulletins.length}${summary.bulletinFailures.length ? `, ${summary.bulletinFailures.length} failed` : ''}${copied ? ` → ${shown(copied.dir)}/` : ''}`,
    ...(summary.bulletinsSkipped.length
      ? [`  not written        ${summary.bulletinsSkipped.length}, no figures this month: ${summary.bulletinsSkipped.join(', ')}`]
      : []),
    `  emails sent        ${delivery.sent}${unsent > 0 ? ` (${unsent} officials already had this edition)` : ''}${delivery.inDoubt.length ? `, ${delivery.inDoubt.length} in doubt` : ''}${delivery.refused ? `, ${delivery.refused} refused by SES (see ucj deliver)` : ''}${local ? ` → ${shown(join(local.outboxDir, summary.period))}/` : ''}`,
    ...(summary.deliveriesHeld ? [`  ! held back        ${summary.deliveriesHeld} deliveries: SES cannot send them yet (below); re-run the month once it can`] : []),
    ...summary.bulletinFailures.map((f) => `  ! bulletin ${f.region}: ${f.reason}`),
    ...summary.problems.slice(0, 10).map((p) => `  ! ${p}`),
    ...(summary.problems.length > 10 ? [`  ! … and ${summary.problems.length - 10} more (the first 100 are kept in the run record in DynamoDB)`] : []),
    `  took ${seconds.toFixed(1)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
