/**
 * Secrets Manager on loopback for the local stack. The deployed code and its rotation function talk to it
 * with their real SecretsManagerClient (AWS JSON 1.1, `X-Amz-Target: secretsmanager.<Operation>`), so
 * staging labels move as they move on AWS. Local tooling only, never deployed.
 *
 * Secrets Manager's rules enforced (API reference and the SDK's model, @aws-sdk/client-secrets-manager):
 * - ARNs: `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>`; a secret is
 *   found by name, by ARN, or by the ARN without the random suffix.
 * - Versions are immutable. A ClientRequestToken becomes the VersionId; repeating it with the same value
 *   does nothing, with another value fails ResourceExistsException. CreateSecret on an existing name
 *   fails ResourceExistsException.
 * - Each staging label is on one version at a time. PutSecretValue moves AWSCURRENT to the new version
 *   unless VersionStages says otherwise (the first version always gets it). Whenever AWSCURRENT moves,
 *   AWSPREVIOUS moves to the version that had it. UpdateSecretVersionStage refuses to move a label that
 *   is attached elsewhere unless RemoveFromVersionId names that version (InvalidParameterException).
 * - A version without labels is "deprecated": DescribeSecret no longer lists it, but GetSecretValue still
 *   reads it by VersionId. Secrets Manager keeps the 100 newest versions and every version created in the
 *   last 24 hours; older deprecated versions beyond those 100 are removed.
 * - GetSecretValue reads AWSCURRENT unless asked for a VersionId or VersionStage; a VersionStage that is
 *   not on the given VersionId fails InvalidRequestException; a version without a value (the one
 *   RotateSecret creates) fails ResourceNotFoundException.
 * - RotateSecret: refused (InvalidRequestException) while AWSPENDING is on a version that is not also
 *   AWSCURRENT. Otherwise it creates a version with the new ClientRequestToken and AWSPENDING and no
 *   value, then calls the rotation function with createSecret, setSecret, testSecret and finishSecret, in
 *   that order, each with the secret's ARN and the token. A step that throws ends the rotation there,
 *   leaving the labels as they are (AWSPENDING on the new version, so the next rotation is refused until
 *   someone clears it). When finishSecret has moved AWSCURRENT, Secrets Manager takes AWSPENDING off.
 *   AWS answers RotateSecret and rotates afterwards; here the answer waits for the steps, so a caller
 *   sees the outcome when the call returns. Neither says in its answer whether the rotation worked:
 *   `rotationEvents` lists RotationStarted, RotationSucceeded and RotationFailed as CloudTrail would.
 *
 * Left out: DeleteSecret and RestoreSecret, UpdateSecret, ListSecrets and ListSecretVersionIds, resource
 * policies, replication, tags (accepted, not kept), KMS, RotateImmediately=false (refused), and scheduled
 * rotation (RotationRules are kept and reported, nothing runs on them).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Server } from 'node:http';
import * as z from 'zod';
import { AwsServiceError, closeServer, createAwsJsonServer, listenOnLoopback, parseInput, type InputProblem } from './aws-json.ts';

const ACCOUNT = '000000000000';
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const PENDING = 'AWSPENDING';
const VERSIONS_KEPT = 100;
const RECENT_VERSION_SECONDS = 24 * 60 * 60;
const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

export type RotationStep = (typeof ROTATION_STEPS)[number];

/** What Secrets Manager sends the rotation function, once per step. */
export interface RotationInvocation {
  SecretId: string;
  ClientRequestToken: string;
  Step: RotationStep;
}

export type RotationHook = (event: RotationInvocation) => Promise<void>;

export interface RotationEvent {
  eventName: 'RotationStarted' | 'RotationSucceeded' | 'RotationFailed';
  secretArn: string;
  versionId: string;
  /** The step that failed (RotationFailed only). */
  step?: RotationStep;
  errorMessage?: string;
}

export interface SecretsEmulatorOptions {
  /** The JSON file the secrets persist to (created when missing). */
  file: string;
  region: string;
  /** The rotation function, as the Lambda a deployment attaches to the secret. */
  rotation?: RotationHook;
}

export interface SecretsEmulator {
  endpoint: string;
  server: Server;
  /** What CloudTrail would record of each rotation, oldest first. */
  rotationEvents: readonly RotationEvent[];
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Errors, as Secrets Manager reports them

const smError = (code: string, message: string) => new AwsServiceError(code, message);
const errors = {
  secretNotFound: () => smError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
  versionNotFound: (versionId: string) => smError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`),
  stageNotFound: (stage: string) => smError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage}`),
  secretExists: (name: string) => smError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`),
  versionExists: () => smError('ResourceExistsException', "You can't modify an existing version, you can only create new versions."),
  invalidParameter: (message: string) => smError('InvalidParameterException', message),
  invalidRequest: (message: string) => smError('InvalidRequestException', message),
};

// AWS's validation answer for a malformed request, with the member name as its framework spells it.
const invalidInput = ({ member, missing }: InputProblem) => {
  const name = member.charAt(0).toLowerCase() + member.slice(1);
  return smError('ValidationException', `1 validation error detected: Value ${missing ? 'null' : 'of the wrong type'} at '${name}' failed to satisfy constraint: ${missing ? 'Member must not be null' : 'Member must be of the modelled type'}`);
};

// ---------------------------------------------------------------------------------------------------
// Wire shapes and the persisted state

const secretId = { SecretId: z.string() };
const valueFields = { SecretString: z.string().optional(), SecretBinary: z.string().optional() }; // binary as base64
const createSecretInput = z.object({
  Name: z.string(),
  ClientRequestToken: z.string().optional(),
  Description: z.string().optional(),
  ...valueFields,
});
const getSecretValueInput = z.object({ ...secretId, VersionId: z.string().optional(), VersionStage: z.string().optional() });
const putSecretValueInput = z.object({ ...secretId, ClientRequestToken: z.string().optional(), VersionStages: z.array(z.string()).optional(), ...valueFields });
const describeSecretInput = z.object(secretId);
const updateVersionStageInput = z.object({ ...secretId, VersionStage: z.string(), MoveToVersionId: z.string().optional(), RemoveFromVersionId: z.string().optional() });
const rotateSecretInput = z.object({
  ...secretId,
  ClientRequestToken: z.string().optional(),
  RotationLambdaARN: z.string().optional(),
  RotationRules: z.object({ AutomaticallyAfterDays: z.number().int().optional(), Duration: z.string().optional(), ScheduleExpression: z.string().optional() }).optional(),
  RotateImmediately: z.boolean().optional(),
});
const getRandomPasswordInput = z.object({
  PasswordLength: z.number().int().optional(),
  ExcludeCharacters: z.string().optional(),
  ExcludeNumbers: z.boolean().optional(),
  ExcludePunctuation: z.boolean().optional(),
  ExcludeUppercase: z.boolean().optional(),
  ExcludeLowercase: z.boolean().optional(),
  IncludeSpace: z.boolean().optional(),
  RequireEachIncludedType: z.boolean().optional(),
});

const versionSchema = z.object({
  versionId: z.string(),
  secretString: z.string().optional(),
  secretBinary: z.string().optional(),
  /** Epoch seconds, as the JSON protocol carries timestamps. */
  createdDate: z.number(),
  stages: z.array(z.string()),
});
type SecretVersion = z.infer<typeof versionSchema>;

const secretSchema = z.object({
  name: z.string(),
  arn: z.string(),
  description: z.string().optional(),
  createdDate: z.number(),
  lastChangedDate: z.number(),
  rotationEnabled: z.boolean(),
  rotationLambdaArn: z.string().optional(),
  rotationRules: rotateSecretInput.shape.RotationRules,
  lastRotatedDate: z.number().optional(),
  versions: z.array(versionSchema),
});
type Secret = z.infer<typeof secretSchema>;

const stateSchema = z.object({ secrets: z.array(secretSchema) });

// ---------------------------------------------------------------------------------------------------

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const nowSeconds = () => Date.now() / 1000;
const hasValue = (version: SecretVersion) => version.secretString !== undefined || version.secretBinary !== undefined;
const randomSuffix = () => Array.from({ length: 6 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');

function checkToken(token: string): void {
  if (token.length < 32 || token.length > 64) throw errors.invalidParameter('ClientRequestToken must be 32-64 characters long.');
}

function checkOneValue(input: { SecretString?: string | undefined; SecretBinary?: string | undefined }): void {
  if ((input.SecretString === undefined) === (input.SecretBinary === undefined)) {
    throw errors.invalidParameter('You must include SecretBinary or SecretString, but not both.');
  }
}

const sameValue = (version: SecretVersion, input: { SecretString?: string | undefined; SecretBinary?: string | undefined }) =>
  version.secretString === input.SecretString && version.secretBinary === input.SecretBinary;

/** Attaches `stage` to `target`, taking it off the version that had it; AWSCURRENT drags AWSPREVIOUS along. */
function attachStage(secret: Secret, target: SecretVersion, stage: string): void {
  const holder = secret.versions.find((version) => version.stages.includes(stage));
  if (holder === target) return;
  if (holder) holder.stages = holder.stages.filter((label) => label !== stage);
  target.stages.push(stage);
  if (stage === CURRENT && holder) {
    for (const version of secret.versions) version.stages = version.stages.filter((label) => label !== PREVIOUS);
    holder.stages.push(PREVIOUS);
  }
}

/** Drops deprecated versions beyond the newest 100, sparing any created in the last 24 hours. */
function pruneVersions(secret: Secret, now: number): void {
  const newestFirst = [...secret.versions].sort((a, b) => b.createdDate - a.createdDate);
  const removable = new Set(newestFirst.slice(VERSIONS_KEPT).filter((version) => version.stages.length === 0 && now - version.createdDate > RECENT_VERSION_SECONDS));
  if (removable.size > 0) secret.versions = secret.versions.filter((version) => !removable.has(version));
}

function randomPassword(input: z.infer<typeof getRandomPasswordInput>): string {
  const length = input.PasswordLength ?? 32;
  if (length < 1 || length > 4096) throw errors.invalidParameter('Password length must be between 1 and 4096.');
  const excluded = new Set(input.ExcludeCharacters ?? '');
  const classes = [
    input.ExcludeLowercase ? '' : 'abcdefghijklmnopqrstuvwxyz',
    input.ExcludeUppercase ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    input.ExcludeNumbers ? '' : '0123456789',
    input.ExcludePunctuation ? '' : PUNCTUATION,
    input.IncludeSpace ? ' ' : '',
  ]
    .map((characters) => [...characters].filter((character) => !excluded.has(character)))
    .filter((characters) => characters.length > 0);
  if (classes.length === 0) throw errors.invalidParameter('The password cannot be generated: every character is excluded.');
  const requireEach = input.RequireEachIncludedType ?? true;
  if (requireEach && length < classes.length) throw errors.invalidParameter(`A password of ${length} characters cannot include each of the ${classes.length} character types.`);
  const all = classes.flat();
  const pick = (characters: readonly string[]) => characters[randomInt(characters.length)]!;
  const password = requireEach ? classes.map(pick) : [];
  while (password.length < length) password.push(pick(all));
  for (let index = password.length - 1; index > 0; index -= 1) {
    const other = randomInt(index + 1);
    [password[index], password[other]] = [password[other]!, password[index]!];
  }
  return password.join('');
}

class SecretsService {
  private secrets: Secret[] = [];
  private saving: Promise<void> = Promise.resolve();
  readonly rotationEvents: RotationEvent[] = [];

  constructor(private readonly options: SecretsEmulatorOptions) {}

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.options.file, 'utf8');
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return;
      throw error;
    }
    this.secrets = stateSchema.parse(JSON.parse(text)).secrets;
  }

  /** Writes the whole state atomically, one save after another, before the request is answered. */
  private save(): Promise<void> {
    const snapshot = JSON.stringify({ secrets: this.secrets }, null, 2);
    const write = async () => {
      await mkdir(dirname(this.options.file), { recursive: true });
      const temporary = `${this.options.file}.${randomUUID()}.tmp`;
      await writeFile(temporary, snapshot);
      await rename(temporary, this.options.file);
    };
    this.saving = this.saving.catch(() => undefined).then(write);
    return this.saving;
  }

  async settled(): Promise<void> {
    await this.saving.catch(() => undefined);
  }

  private partialArn(name: string) {
    return `arn:aws:secretsmanager:${this.options.region}:${ACCOUNT}:secret:${name}`;
  }

  private secretOf(id: string): Secret {
    const secret = this.secrets.find((candidate) => candidate.name === id || candidate.arn === id || this.partialArn(candidate.name) === id);
    if (!secret) throw errors.secretNotFound();
    return secret;
  }

  private changed(secret: Secret): Promise<void> {
    const now = nowSeconds();
    secret.lastChangedDate = now;
    pruneVersions(secret, now);
    return this.save();
  }

  async createSecret(raw: unknown) {
    const input = parseInput(createSecretInput, raw, invalidInput);
    if (!SECRET_NAME.test(input.Name)) throw errors.invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    const hasInputValue = input.SecretString !== undefined || input.SecretBinary !== undefined;
    if (hasInputValue) checkOneValue(input);
    const token = input.ClientRequestToken ?? randomUUID();
    checkToken(token);
    const existing = this.secrets.find((secret) => secret.name === input.Name);
    if (existing) {
      // A retried CreateSecret (same token, same value) is answered as the first one was.
      const version = existing.versions.find((candidate) => candidate.versionId === token);
      if (!version) throw errors.secretExists(input.Name);
      if (!sameValue(version, input)) throw errors.versionExists();
      return { ARN: existing.arn, Name: existing.name, VersionId: version.versionId };
    }
    const now = nowSeconds();
    const secret: Secret = {
      name: input.Name,
      arn: `${this.partialArn(input.Name)}-${randomSuffix()}`,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      createdDate: now,
      lastChangedDate: now,
      rotationEnabled: false,
      versions: hasInputValue
        ? [{ versionId: token, createdDate: now, stages: [CURRENT], ...(input.SecretString !== undefined ? { secretString: input.SecretString } : { secretBinary: input.SecretBinary }) }]
        : [],
    };
    this.secrets.push(secret);
    await this.save();
    return { ARN: secret.arn, Name: secret.name, ...(hasInputValue ? { VersionId: token } : {}) };
  }

  async getSecretValue(raw: unknown) {
    const input = parseInput(getSecretValueInput, raw, invalidInput);
    const secret = this.secretOf(input.SecretId);
    let version: SecretVersion | undefined;
    if (input.VersionId !== undefined) {
      version = secret.versions.find((candidate) => candidate.versionId === input.VersionId);
      if (!version) throw errors.versionNotFound(input.VersionId);
      if (input.VersionStage !== undefined && !version.stages.includes(input.VersionStage)) {
        throw errors.invalidRequest('You provided a VersionStage that is not associated to the provided VersionId.');
      }
      if (!hasValue(version)) throw errors.versionNotFound(input.VersionId);
    } else {
      const stage = input.VersionStage ?? CURRENT;
      version = secret.versions.find((candidate) => candidate.stages.includes(stage));
      if (!version || !hasValue(version)) throw errors.stageNotFound(stage);
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
      ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
      VersionStages: version.stages,
      CreatedDate: version.createdDate,
    };
  }

  async putSecretValue(raw: unknown) {
    const input = parseInput(putSecretValueInput, raw, invalidInput);
    const secret = this.secretOf(input.SecretId);
    checkOneValue(input);
    const token = input.ClientRequestToken ?? randomUUID();
    checkToken(token);
    let version = secret.versions.find((candidate) => candidate.versionId === token);
    if (version && hasValue(version)) {
      if (!sameValue(version, input)) throw errors.versionExists();
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: version.stages };
    }
    if (!version) {
      version = { versionId: token, createdDate: nowSeconds(), stages: [] };
      secret.versions.push(version);
    }
    // A version RotateSecret created without a value gets its value now: the rotation's createSecret.
    if (input.SecretString !== undefined) version.secretString = input.SecretString;
    else version.secretBinary = input.SecretBinary;
    const stages = [...(input.VersionStages ?? [CURRENT])];
    if (!secret.versions.some((candidate) => candidate.stages.includes(CURRENT)) && !stages.includes(CURRENT)) stages.push(CURRENT);
    for (const stage of stages) attachStage(secret, version, stage);
    await this.changed(secret);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: version.stages };
  }

  async describeSecret(raw: unknown) {
    const input = parseInput(describeSecretInput, raw, invalidInput);
    const secret = this.secretOf(input.SecretId);
    const labelled = secret.versions.filter((version) => version.stages.length > 0);
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      RotationEnabled: secret.rotationEnabled,
      ...(secret.rotationLambdaArn !== undefined ? { RotationLambdaARN: secret.rotationLambdaArn } : {}),
      ...(secret.rotationRules !== undefined ? { RotationRules: secret.rotationRules } : {}),
      ...(secret.lastRotatedDate !== undefined ? { LastRotatedDate: secret.lastRotatedDate } : {}),
      LastChangedDate: secret.lastChangedDate,
      CreatedDate: secret.createdDate,
      VersionIdsToStages: Object.fromEntries(labelled.map((version) => [version.versionId, version.stages])),
    };
  }

  async updateSecretVersionStage(raw: unknown) {
    const input = parseInput(updateVersionStageInput, raw, invalidInput);
    const secret = this.secretOf(input.SecretId);
    const stage = input.VersionStage;
    const versionOf = (versionId: string) => {
      const version = secret.versions.find((candidate) => candidate.versionId === versionId);
      if (!version) throw errors.invalidParameter(`The version ${versionId} does not exist in the secret ${secret.name}.`);
      return version;
    };
    const holder = secret.versions.find((version) => version.stages.includes(stage));
    const from = input.RemoveFromVersionId === undefined ? undefined : versionOf(input.RemoveFromVersionId);
    if (from && from !== holder) throw errors.invalidParameter(`The staging label ${stage} is not attached to the version ${from.versionId}, so it can't be removed from it.`);
    if (input.MoveToVersionId !== undefined) {
      const to = versionOf(input.MoveToVersionId);
      if (holder && holder !== to && !from) {
        throw errors.invalidParameter(
          `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      attachStage(secret, to, stage);
    } else if (from) {
      // Every secret with a value keeps AWSCURRENT on one version: it can move, not disappear.
      if (stage === CURRENT) throw errors.invalidParameter(`The staging label ${CURRENT} can't be removed from a version without moving it to another version.`);
      from.stages = from.stages.filter((label) => label !== stage);
    } else {
      throw errors.invalidParameter('You must specify MoveToVersionId, RemoveFromVersionId, or both.');
    }
    await this.changed(secret);
    return { ARN: secret.arn, Name: secret.name };
  }

  async rotateSecret(raw: unknown) {
    const input = parseInput(rotateSecretInput, raw, invalidInput);
    const secret = this.secretOf(input.SecretId);
    const rotation = this.options.rotation;
    if (!rotation) throw errors.invalidRequest('This local Secrets Manager was started without a rotation function, so it cannot rotate secrets.');
    if (input.RotateImmediately === false) throw errors.invalidRequest('RotateImmediately=false (a test of the rotation function alone) is not emulated locally.');
    const token = input.ClientRequestToken ?? randomUUID();
    checkToken(token);
    const pending = secret.versions.find((version) => version.stages.includes(PENDING));
    if (pending && !pending.stages.includes(CURRENT) && pending.versionId !== token) {
      throw errors.invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
    }
    const answer = { ARN: secret.arn, Name: secret.name, VersionId: token };
    let version = secret.versions.find((candidate) => candidate.versionId === token);
    if (version?.stages.includes(CURRENT)) return answer; // this rotation finished already
    if (!version) {
      version = { versionId: token, createdDate: nowSeconds(), stages: [] };
      secret.versions.push(version);
    }
    attachStage(secret, version, PENDING);
    secret.rotationEnabled = true;
    secret.rotationLambdaArn = input.RotationLambdaARN ?? secret.rotationLambdaArn ?? `arn:aws:lambda:${this.options.region}:${ACCOUNT}:function:local-rotation`;
    if (input.RotationRules !== undefined) secret.rotationRules = input.RotationRules;
    await this.changed(secret);
    this.rotationEvents.push({ eventName: 'RotationStarted', secretArn: secret.arn, versionId: token });

    for (const step of ROTATION_STEPS) {
      try {
        await rotation({ SecretId: secret.arn, ClientRequestToken: token, Step: step });
      } catch (error) {
        this.rotationEvents.push({ eventName: 'RotationFailed', secretArn: secret.arn, versionId: token, step, errorMessage: error instanceof Error ? error.message : String(error) });
        return answer;
      }
    }
    const rotated = secret.versions.find((candidate) => candidate.versionId === token);
    if (!rotated?.stages.includes(CURRENT)) {
      this.rotationEvents.push({
        eventName: 'RotationFailed',
        secretArn: secret.arn,
        versionId: token,
        step: 'finishSecret',
        errorMessage: `finishSecret did not move ${CURRENT} to version ${token}`,
      });
      return answer;
    }
    rotated.stages = rotated.stages.filter((label) => label !== PENDING);
    secret.lastRotatedDate = nowSeconds();
    await this.changed(secret);
    this.rotationEvents.push({ eventName: 'RotationSucceeded', secretArn: secret.arn, versionId: token });
    return answer;
  }

  async getRandomPassword(raw: unknown) {
    return { RandomPassword: randomPassword(parseInput(getRandomPasswordInput, raw, invalidInput)) };
  }
}

/** Starts Secrets Manager on 127.0.0.1 with the secrets persisted in `file`. */
export async function startSecretsEmulator(options: SecretsEmulatorOptions): Promise<SecretsEmulator> {
  const service = new SecretsService(options);
  await service.load();
  const server = createAwsJsonServer({
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    signingName: 'secretsmanager',
    region: options.region,
    operations: {
      CreateSecret: (input) => service.createSecret(input),
      GetSecretValue: (input) => service.getSecretValue(input),
      PutSecretValue: (input) => service.putSecretValue(input),
      DescribeSecret: (input) => service.describeSecret(input),
      UpdateSecretVersionStage: (input) => service.updateSecretVersionStage(input),
      RotateSecret: (input) => service.rotateSecret(input),
      GetRandomPassword: (input) => service.getRandomPassword(input),
    },
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    server,
    rotationEvents: service.rotationEvents,
    async close() {
      await closeServer(server);
      await service.settled();
    },
  };
}
