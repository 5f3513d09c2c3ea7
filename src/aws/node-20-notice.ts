/** The AWS SDK's own switch for its Node-version notice (aws/aws-sdk-js-v3#7983); anything but `true` shows it. */
export const SDK_NODE_NOTICE_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/**
 * On Node 20 the AWS SDK warns, in every process that makes a client, that its releases after the first
 * week of January 2027 need Node 22. The service's cloud runtime is Node 22 (the Lambdas, the Batch images);
 * Node 20 still runs it locally with the SDK versions package-lock.json pins, so there the notice asks
 * for nothing a user has to do. The entry points that start Node (`npm start`, `nas`, the test runner)
 * call this before any client exists; child processes inherit it. On Node 22 and later it does nothing,
 * so a later notice (about Node 22 itself) still shows, and so does this one if the user sets the switch.
 */
export function quietSdkNoticeOnNode20(env: NodeJS.ProcessEnv = process.env, nodeVersion: string = process.versions.node): void {
  if (Number(nodeVersion.split('.')[0]) < 22) env[SDK_NODE_NOTICE_SWITCH] ??= 'true';
}
