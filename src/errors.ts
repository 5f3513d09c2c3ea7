/**
 * Expected failures as typed values. They are mapped to HTTP status codes once, in `src/api/problem.ts`;
 * anything else that is thrown is a bug and becomes a 500.
 */

/** A request or search spec breaks a rule; `field` is the dotted path of the offending value. */
export class InvalidRequest extends Error {
  override readonly name = 'InvalidRequest';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** An architecture is not a member of its search space; `rule` names the violated rule. */
export class InvalidArchitecture extends Error {
  override readonly name = 'InvalidArchitecture';
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A user's training command (a `container` trial) failed: it exited non-zero, ran past its time or printed
 * no value of a metric. Its own code's doing, so the trial fails for good, with `message` as the reason.
 */
export class TrainingCommandFailed extends Error {
  override readonly name = 'TrainingCommandFailed';
}

/** A record that the caller named does not exist (or belongs to another tenant). */
export class NotFound extends Error {
  override readonly name = 'NotFound';
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} not found`);
  }
}

/** The request is valid but conflicts with the record's current state (e.g. stopping a finished search). */
export class Conflict extends Error {
  override readonly name: string = 'Conflict';
}

/** A status change the state machine (`src/search/states.ts`) does not allow from the record's current status. */
export class InvalidTransition extends Conflict {
  override readonly name = 'InvalidTransition';
  constructor(
    readonly record: string,
    readonly id: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`${record} ${id} is ${from} and cannot become ${to}`);
  }
}

/** A conditional write lost a race: the record changed since it was read. Callers re-read and retry. */
export class VersionConflict extends Error {
  override readonly name = 'VersionConflict';
}

/** Something the service needs (a benchmark file, the store) is not there; the fix is operational. */
export class Unavailable extends Error {
  override readonly name: string = 'Unavailable';
}

/**
 * A GPU trial cannot train on the GPU (no device visible, CUDA or cuDNN failed to load, TensorFlow placed
 * its ops on the CPU): the job fails at once rather than train at GPU prices on the CPU.
 * `device` is what could be learned of the GPU anyway (name, driver), for the trial's error.
 */
export class GpuUnavailable extends Unavailable {
  override readonly name = 'GpuUnavailable';
  constructor(
    readonly reason: string,
    readonly device?: string,
  ) {
    super(`GpuUnavailable: ${reason}${device ? ` (device: ${device})` : ''}`);
  }
}

/**
 * No compute capacity placed a trial's job within the queue's time limit (Spot and on-demand both, or a
 * service quota of 0): the job was cancelled and the trial fails with this reason.
 */
export class CapacityUnavailable extends Unavailable {
  override readonly name = 'CapacityUnavailable';
}

/**
 * The local data folder cannot be opened: another service holds it (`in-use`) or LevelDB finds its files
 * damaged (`damaged`). Nothing in the folder was changed; the message names the folder and the way out.
 */
export class DataFolderUnusable extends Unavailable {
  constructor(
    readonly folder: string,
    readonly reason: 'in-use' | 'damaged',
    message: string,
  ) {
    super(message);
  }
}

/** A user-supplied benchmark table has rows or a manifest that break the documented format. */
export class InvalidTable extends Error {
  override readonly name = 'InvalidTable';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a valid benchmark table:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The request carries no API key, or one the service does not know. */
export class Unauthorized extends Error {
  override readonly name = 'Unauthorized';
}

/** A tenant went over a rate limit or quota; `retryAfterSeconds` says when trying again may work. */
export class TooManyRequests extends Error {
  override readonly name = 'TooManyRequests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
