import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../../src/errors.js';
import { summarizeDataset } from '../../../src/training/datasets/dataset.js';
import { describeDatasets, loadDataset, parseDatasetRef } from '../../../src/training/datasets/registry.js';

describe('dataset registry', () => {
  it('describes each built-in as loading it with default options gives', async () => {
    const catalog = describeDatasets();
    expect(catalog.map((entry) => entry.name)).toEqual(['mnist', 'sotu-words', 'anbncn', 'blobs']);
    for (const { options, ...summary } of catalog) {
      expect(summary).toEqual(summarizeDataset(await loadDataset(summary.name)));
      expect(options).toMatchObject({ type: 'object', additionalProperties: false });
    }
  });

  it('documents each option with its default', () => {
    const mnist = describeDatasets().find((entry) => entry.name === 'mnist')!;
    expect(mnist.options).toMatchObject({ properties: { layout: { default: 'image', enum: ['image', 'flat'] } } });
  });

  it('builds a built-in once per set of options and shares it', async () => {
    const first = await loadDataset('anbncn', { options: { trainSamples: 10 } });
    expect(await loadDataset('anbncn', { options: { trainSamples: 10 } })).toBe(first);
    expect(await loadDataset('anbncn', { options: { trainSamples: 11 } })).not.toBe(first);
    expect(await loadDataset('blobs', { options: {} })).toBe(await loadDataset('blobs'));
  });

  it('names the offending option', async () => {
    await expect(loadDataset('mnist', { options: { layout: 'round' } })).rejects.toMatchObject({ constructor: InvalidRequest, field: 'datasetOptions.layout' });
    await expect(loadDataset('blobs', { options: { points: 3 } })).rejects.toMatchObject({ constructor: InvalidRequest, field: 'datasetOptions.points' });
    await expect(loadDataset('sotu-words', { options: { vocabularySize: 2 } })).rejects.toMatchObject({ field: 'datasetOptions.vocabularySize' });
  });

  it('parses every kind of ref and refuses unknown ones on the dataset field', () => {
    expect(parseDatasetRef('dir:./data/digits')).toEqual({ kind: 'directory', path: './data/digits' });
    expect(parseDatasetRef('s3://bucket/teams/a/digits')).toEqual({ kind: 's3', bucket: 'bucket', prefix: 'teams/a/digits' });
    expect(parseDatasetRef('s3://bucket')).toEqual({ kind: 's3', bucket: 'bucket', prefix: '' });
    expect(parseDatasetRef('artifacts:datasets/digits')).toEqual({ kind: 'artifacts', path: 'datasets/digits' });
    expect(parseDatasetRef('artifacts:datasets/digits/')).toEqual({ kind: 'artifacts', path: 'datasets/digits' });
    for (const escaping of ['artifacts:', 'artifacts:../x', 'artifacts:datasets/../../b', 'artifacts:/etc', 'artifacts:a//b', 'artifacts:a\\..\\b']) {
      expect(() => parseDatasetRef(escaping), escaping).toThrow(expect.objectContaining({ field: 'dataset' }));
    }
    expect(parseDatasetRef('mnist')).toMatchObject({ kind: 'builtin', dataset: { name: 'mnist' } });
    for (const ref of ['cifar10', 'dir:', 's3://', 'MNIST']) {
      expect(() => parseDatasetRef(ref), ref).toThrow(expect.objectContaining({ constructor: InvalidRequest, field: 'dataset' }));
    }
  });
});
