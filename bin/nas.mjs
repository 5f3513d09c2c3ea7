#!/usr/bin/env node
// The `nas` command: runs the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { quietSdkNoticeOnNode20 } = await import('../src/aws/node-20-notice.ts');
quietSdkNoticeOnNode20();
await import('../src/cli/main.ts');
