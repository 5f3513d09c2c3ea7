import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NasStack, stackNameFor } from './nas-stack.js';

const app = new App();
const context = (key: string) => app.node.tryGetContext(key) as string | undefined;
const budget = app.node.tryGetContext('monthlyBudgetUsd') as string | number | undefined;
const apiDomainName = context('apiDomainName');
const apiCertificateArn = context('apiCertificateArn');
if ((apiDomainName === undefined) !== (apiCertificateArn === undefined)) throw new Error('-c apiDomainName and -c apiCertificateArn go together');
const apiAuth = context('apiAuth') ?? 'keys';
if (apiAuth !== 'keys' && apiAuth !== 'iam') throw new Error(`-c apiAuth must be keys (the default: API keys only) or iam (SigV4 in front of them), got '${apiAuth}'`);
const stage = context('stage');
const ephemeral = String(app.node.tryGetContext('ephemeral') ?? 'false');
if (ephemeral !== 'true' && ephemeral !== 'false') throw new Error(`-c ephemeral must be true or false, got '${ephemeral}'`);
const containerTrials = String(app.node.tryGetContext('containerTrials') ?? 'false');
if (containerTrials !== 'true' && containerTrials !== 'false') throw new Error(`-c containerTrials must be true or false, got '${containerTrials}'`);
const runnableTimeout = app.node.tryGetContext('runnableTimeoutMinutes') as string | number | undefined;
new NasStack(app, stackNameFor(stage), {
  description: `serverless-nas: neural architecture search as a pay-per-use service${stage ? ` (stage ${stage})` : ''}`,
  ...(stage === undefined ? {} : { stage }),
  ...(ephemeral === 'true' ? { ephemeral: true } : {}),
  ...(containerTrials === 'true' ? { containerTrials: true } : {}),
  ...(runnableTimeout === undefined ? {} : { runnableTimeoutMinutes: Number(runnableTimeout) }),
  alarmEmail: context('alarmEmail'),
  ...(budget === undefined ? {} : { monthlyBudgetUsd: Number(budget) }),
  ...(apiDomainName && apiCertificateArn ? { apiDomain: { name: apiDomainName, certificateArn: apiCertificateArn } } : {}),
  ...(apiAuth === 'iam' ? { apiIamAuthorization: true } : {}),
});
// `cdk synth` fails on any AWS Solutions finding that is neither fixed nor acknowledged with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
