/** The CDK app (`npx cdk synth`, `npx cdk deploy`): settings come from cdk.json's context. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from './config.ts';
import { UcjBulletinStack } from './stack.ts';

const app = new App();
// Synth (and so deploy) stops on any AWS Solutions finding that is not acknowledged with a reason (infra/nag.ts).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const config = loadConfig(app.node);
new UcjBulletinStack(app, 'UcjBulletin', {
  config,
  description: 'ucj-bulletin: monthly UCJ coverage bulletins',
  // Environment-agnostic unless the CLI has an account and region to offer.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
