/** The CDK app (`npx cdk synth`, `npx cdk deploy`): settings come from cdk.json's context. */
import { App } from 'aws-cdk-lib';
import { loadConfig } from './config.ts';
import { UcjBulletinStack } from './stack.ts';

const app = new App();
const config = loadConfig(app.node);
new UcjBulletinStack(app, 'UcjBulletin', {
  config,
  description: 'ucj-bulletin: monthly UCJ coverage bulletins',
  // Environment-agnostic unless the CLI has an account and region to offer.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
