/**
 * The base images of the two job images, pinned by digest so that a deploy builds from exactly the bytes
 * that were tested, not from whatever a tag points at that day. `cdk/training-queue.ts` passes them to the
 * Dockerfiles as build arguments; the Dockerfiles' own defaults (for `docker build` by hand) must equal
 * them, which test/cdk/stack.test.ts checks.
 *
 * To refresh one (a security update of the base, a new Node 22 patch release):
 *   docker buildx imagetools inspect node:22-bookworm-slim            # the "Digest:" line of the index
 *   docker buildx imagetools inspect nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04
 * then replace the digest here and in the Dockerfile's ARG, build, and run a GPU trial (docs/deployment.md,
 * "Checking a GPU instance").
 */

/**
 * Node 22 (the Lambdas' runtime too), Debian bookworm slim: the whole CPU image, and where the CUDA image
 * copies its `node` binary from (the nodejs.org build, which needs glibc 2.28, older than Ubuntu 22.04's).
 * Digest as published for the tag in 2025; not re-checked from this machine, which has no registry access.
 */
export const NODE_BASE_IMAGE = 'node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c';

/**
 * CUDA 11.8 runtime with cuDNN 8 on Ubuntu 22.04, for tfjs-node-gpu 4.22 (libtensorflow 2.9, built against
 * CUDA 11.2 and cuDNN 8: any 11.x runtime provides the same sonames, and 11.8 is the newest 11.x image).
 * Only the GPU queue's job runs it.
 */
export const CUDA_BASE_IMAGE = 'nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04@sha256:85fb7ac694079fff1061a0140fd5b5a641997880e12112d92589c3bbb1e8b7ca';
