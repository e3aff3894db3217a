/**
 * The rules of the house, run by dependency-cruiser over the tree in `npm test`. What ships to Lambda is
 * functions/ and lib/; tools/ is the laptop stack, the command line and the sample data; infra/ is the
 * CDK app. Each rule says why it exists. A fixture tree (test/fixtures/dependency-rules) breaks each
 * rule once, so a rule that stopped matching fails here too.
 */
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type IForbiddenRuleType } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

const RULES: IForbiddenRuleType[] = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'An import circle makes load order matter and the modules one piece: break it with a module both can import.',
    from: {},
    to: { circular: true },
  },
  {
    name: 'domain-is-pure',
    severity: 'error',
    comment: 'lib/domain computes from its arguments: no AWS SDK, no file system, no renderer, so it is testable and the same everywhere.',
    from: { path: '^lib/domain/' },
    to: {
      path: ['(^|/)node_modules/(@aws-sdk|@smithy|pdfmake|pdfkit)/', '^lib/(bulletin|aws|storage|history)/'],
    },
  },
  {
    name: 'domain-no-fs',
    severity: 'error',
    comment: 'lib/domain reads no files: its inputs come in as arguments.',
    from: { path: '^lib/domain/' },
    to: { dependencyTypes: ['core'], path: '^(node:)?fs(/promises)?$' },
  },
  {
    name: 'handler-not-handler',
    severity: 'error',
    comment: 'A Lambda entry point composes only its own handler factory: one handler importing another would ship and start both.',
    from: { path: '^functions/([^/]+)\\.ts$' },
    to: { path: '^(functions|lib/handlers)/', pathNot: '^lib/handlers/$1\\.ts$' },
  },
  {
    name: 'handler-factory-not-handler-factory',
    severity: 'error',
    comment: 'Handler factories share code through lib/, never through each other.',
    from: { path: '^lib/handlers/([^/]+)\\.ts$' },
    to: { path: '^(functions|lib/handlers)/', pathNot: '^lib/handlers/$1\\.ts$' },
  },
  {
    name: 'infra-only-contract',
    severity: 'error',
    comment: 'infra/ shares names and sizes with the code through lib/contract only; importing runtime code would put it in the CDK app (and its bugs in synth).',
    from: { path: '^infra/' },
    to: { path: '^(lib|functions|tools)/', pathNot: '^lib/contract/' },
  },
  {
    name: 'deployed-not-tooling',
    severity: 'error',
    comment: 'What ships to Lambda never imports the laptop stack, the command line or the sample data.',
    from: { path: '^(functions|lib)/' },
    to: { path: '^(tools|bench|test|infra)/' },
  },
];

const OPTIONS: ICruiseOptions = {
  doNotFollow: { path: 'node_modules' },
  // Type-only imports count: a circle of types is still a circle a reader has to untangle.
  tsPreCompilationDeps: true,
  enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
};

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/dependency-rules', import.meta.url));

const resultSchema = z.object({
  summary: z.object({
    violations: z.array(z.object({ from: z.string(), to: z.string(), rule: z.object({ name: z.string() }), cycle: z.array(z.looseObject({ name: z.string() })).optional() })),
    totalCruised: z.number(),
  }),
});

async function violationsIn(baseDir: string, folders: string[]) {
  const options: ICruiseOptions = { ...OPTIONS, ruleSet: { forbidden: RULES }, validate: true, baseDir };
  const { output } = await cruise(folders, options);
  const { summary } = resultSchema.parse(typeof output === 'string' ? JSON.parse(output) : output);
  return { cruised: summary.totalCruised, violations: summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`) };
}

describe('the dependency rules', () => {
  it('hold for the whole tree', async () => {
    const { cruised, violations } = await violationsIn(ROOT, ['functions', 'lib', 'infra', 'tools']);
    expect(cruised).toBeGreaterThan(100);
    expect(violations).toEqual([]);
  });

  it('each catch the break the fixture tree makes', async () => {
    const { violations } = await violationsIn(FIXTURE, ['functions', 'lib', 'infra', 'tools']);
    expect(violations.sort()).toEqual(
      [
        'deployed-not-tooling: lib/handlers/uses-tooling.ts → tools/stack.ts',
        'domain-is-pure: lib/domain/uses-sdk.ts → ../../../node_modules/@aws-sdk/client-s3/dist-cjs/index.js',
        'domain-no-fs: lib/domain/uses-sdk.ts → fs',
        'handler-factory-not-handler-factory: lib/handlers/first.ts → lib/handlers/second.ts',
        'handler-not-handler: functions/first.ts → functions/second.ts',
        'infra-only-contract: infra/stack.ts → lib/handlers/second.ts',
        'no-circular: lib/domain/a.ts → lib/domain/b.ts',
      ].sort(),
    );
  });
});
