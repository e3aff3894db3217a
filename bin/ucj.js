#!/usr/bin/env node
// The `ucj` command. The project is TypeScript run directly through tsx, so a checkout needs no build step.
// The SDK warns that Node 20 loses support in 2027: Lambda runs Node 22+, and locally the warning is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `ucj … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../tools/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
