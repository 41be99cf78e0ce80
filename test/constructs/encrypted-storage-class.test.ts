import { describe, expect, it } from 'vitest';
import { EncryptedStorageClass } from '../../src';
import { only, synthConstructs, synthProblems } from '../util';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1b3d5f7a-9c1e-4a3b-8d5f-7a9c1e3b5d7f';

describe('EncryptedStorageClass', () => {
  it('defines a gp3 class of the EBS CSI driver encrypted with the KMS key', () => {
    const sc = only(
      synthConstructs(scope => new EncryptedStorageClass(scope, 'Storage', { kmsKeyArn: KEY })),
      'StorageClass',
    );
    expect(sc.metadata.name).toBe('gp3-encrypted');
    expect(sc.metadata.annotations).toBeUndefined();
    expect(sc.provisioner).toBe('ebs.csi.aws.com');
    expect(sc.parameters).toEqual({ type: 'gp3', encrypted: 'true', kmsKeyId: KEY });
    expect(sc.volumeBindingMode).toBe('WaitForFirstConsumer');
    expect(sc.allowVolumeExpansion).toBe(true);
  });

  it('can be the default class', () => {
    const sc = only(
      synthConstructs(scope => new EncryptedStorageClass(scope, 'Storage', { kmsKeyArn: KEY, isDefault: true, name: 'encrypted' })),
      'StorageClass',
    );
    expect(sc.metadata).toMatchObject({ name: 'encrypted', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } });
  });

  it('fails on a key alias instead of a key ARN', () => {
    const problems = synthProblems(() =>
      synthConstructs(scope => new EncryptedStorageClass(scope, 'Storage', { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/ebs' })),
    );
    expect(problems).toEqual([
      '[test] test/Storage: \'kmsKeyArn\' is not a KMS key ARN; got "arn:aws:kms:eu-west-1:111122223333:alias/ebs". fix: use arn:aws:kms:<region>:<12-digit account>:key/<key id> (a key ARN, not an alias)',
    ]);
  });
});
