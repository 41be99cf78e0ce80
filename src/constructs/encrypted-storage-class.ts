import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { isDnsSubdomain } from '../core/names';
import { Problem } from '../core/problem';
import { addCheck } from './checks';
import { KMS_KEY_ARN, NOT_A_KMS_KEY_ARN } from '../config/resolve/validators';

/** Properties of an {@link EncryptedStorageClass}. */
export interface EncryptedStorageClassProps {
  /** ARN of the KMS key that encrypts every volume of the class, in the cluster's region. */
  readonly kmsKeyArn: string;
  /**
   * StorageClass name.
   *
   * @default 'gp3-encrypted'
   */
  readonly name?: string;
  /**
   * Mark it as the cluster's default StorageClass.
   *
   * @default false
   */
  readonly isDefault?: boolean;
}

/**
 * A gp3 StorageClass of the EBS CSI driver whose volumes are encrypted with a given KMS key.
 *
 * Volumes are created in the zone of the pod that first uses them (`WaitForFirstConsumer`) and can
 * grow. The key itself, and the EBS CSI driver's permission to use it, are AWS resources this
 * library does not create.
 *
 * @see https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md
 */
export class EncryptedStorageClass extends Construct {
  /** The raw StorageClass (the default child). */
  public readonly resource: k8s.KubeStorageClass;

  constructor(scope: Construct, id: string, props: EncryptedStorageClassProps) {
    super(scope, id);
    const name = props.name ?? 'gp3-encrypted';
    addCheck(this, () => {
      const problems: Problem[] = [];
      if (typeof props.kmsKeyArn !== 'string' || !KMS_KEY_ARN.test(props.kmsKeyArn)) {
        problems.push({
          field: 'kmsKeyArn',
          value: props.kmsKeyArn,
          message: NOT_A_KMS_KEY_ARN,
          fix: 'use arn:aws:kms:<region>:<12-digit account>:key/<key id> (a key ARN, not an alias)',
        });
      }
      if (!isDnsSubdomain(name))
        problems.push({
          field: 'name',
          value: name,
          message: 'is not a valid StorageClass name',
          fix: "use lowercase letters, digits, - and ., e.g. 'gp3-encrypted'",
        });
      return problems;
    });
    this.resource = new k8s.KubeStorageClass(this, 'Resource', {
      metadata: {
        name,
        ...(props.isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
      },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true', kmsKeyId: props.kmsKeyArn },
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
      reclaimPolicy: 'Delete',
    });
    this.node.defaultChild = this.resource;
  }
}
