import { describe, expect, it } from 'vitest';
import { quietSdkNoticeOnNode20, SDK_NODE_NOTICE_SWITCH } from '../../src/aws/node-20-notice.js';

describe("the AWS SDK's Node-version notice", () => {
  it('is quieted on Node 20', () => {
    const env: NodeJS.ProcessEnv = {};
    quietSdkNoticeOnNode20(env, '20.20.2');
    expect(env[SDK_NODE_NOTICE_SWITCH]).toBe('true');
  });

  it('is left alone on Node 22 and later, so a notice about Node 22 itself still shows', () => {
    const env: NodeJS.ProcessEnv = {};
    quietSdkNoticeOnNode20(env, '22.17.0');
    quietSdkNoticeOnNode20(env, '24.1.0');
    expect(env).toEqual({});
  });

  it("keeps the user's own setting of the switch", () => {
    const env: NodeJS.ProcessEnv = { [SDK_NODE_NOTICE_SWITCH]: 'false' };
    quietSdkNoticeOnNode20(env, '20.20.2');
    expect(env[SDK_NODE_NOTICE_SWITCH]).toBe('false');
  });
});
