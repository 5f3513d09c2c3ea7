import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NasStack } from './nas-stack.js';

const app = new App();
const budget = app.node.tryGetContext('monthlyBudgetUsd') as string | number | undefined;
new NasStack(app, 'ServerlessNas', {
  description: 'serverless-nas: neural architecture search as a pay-per-use service',
  alarmEmail: app.node.tryGetContext('alarmEmail') as string | undefined,
  ...(budget === undefined ? {} : { monthlyBudgetUsd: Number(budget) }),
});
// `cdk synth` fails on any AWS Solutions finding that is neither fixed nor acknowledged with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
