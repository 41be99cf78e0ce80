/** The `encryptedStorage` section: the KMS-encrypted EBS StorageClass, when asked for. */
import { isDnsSubdomain } from '../../core/names';
import { EnvironmentConfig } from '../environment-config';
import { ResolvedEnvironment } from './types';
import { arnMismatch, collector, KMS_KEY_ARN, NOT_A_KMS_KEY_ARN, partitionProblem, Resolved } from './validators';

/** Defaults of the `encryptedStorage` section. */
export const ENCRYPTED_STORAGE_DEFAULTS = {
  name: 'gp3-encrypted',
  isDefault: false,
} as const;

/** Check the `encryptedStorage` section (absent: no StorageClass) and apply its defaults. */
export function resolveEncryptedStorage(
  raw: EnvironmentConfig['encryptedStorage'],
  context: { readonly awsRegion?: string },
): Resolved<ResolvedEnvironment['encryptedStorage']> {
  const { problems, bad } = collector();
  if (!raw) return { problems, value: undefined };
  const region = context.awsRegion;
  const name = raw.name ?? ENCRYPTED_STORAGE_DEFAULTS.name;
  const match = typeof raw.kmsKeyArn === 'string' ? KMS_KEY_ARN.exec(raw.kmsKeyArn) : null;
  const mismatch = match ? arnMismatch(match, region) : undefined;
  if (!match) {
    bad(
      'encryptedStorage.kmsKeyArn',
      raw.kmsKeyArn,
      NOT_A_KMS_KEY_ARN,
      'use arn:aws:kms:<region>:<12-digit account>:key/<key id> (a key ARN, not an alias)',
    );
  } else if (mismatch === 'region') {
    bad(
      'encryptedStorage.kmsKeyArn',
      raw.kmsKeyArn,
      `is in region ${match[2]} but the cluster is in ${region}`,
      `use a key in ${region} (EBS volumes use a key of their own region)`,
    );
  } else if (mismatch === 'partition') {
    const { message, fix } = partitionProblem(match, region!, 'kms');
    bad('encryptedStorage.kmsKeyArn', raw.kmsKeyArn, message, fix);
  }
  if (!isDnsSubdomain(name))
    bad('encryptedStorage.name', name, 'is not a valid StorageClass name', "use lowercase letters, digits, - and ., e.g. 'gp3-encrypted'");
  return { problems, value: { kmsKeyArn: raw.kmsKeyArn, name, isDefault: raw.isDefault ?? ENCRYPTED_STORAGE_DEFAULTS.isDefault } };
}
