/**
 * The rules of the house, checked in `npm test` (test/unit/dependency-rules.test.ts). What ships to
 * Lambda is functions/ and lib/; tools/ is the laptop stack, the command line and the sample data;
 * infra/ is the CDK app. Each rule says why it exists.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
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
        path: ['^node_modules/@aws-sdk/', '^node_modules/@smithy/', '^node_modules/pdfmake/', '^node_modules/pdfkit/', '^lib/bulletin/', '^lib/aws/', '^lib/storage/', '^lib/history/'],
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
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
