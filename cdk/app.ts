import { App } from 'aws-cdk-lib';
import { NasStack } from './nas-stack.js';

const app = new App();
new NasStack(app, 'ServerlessNas', { description: 'serverless-nas: neural architecture search as a pay-per-use service' });
