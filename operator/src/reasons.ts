/** Condition types and reasons of KeyService status: the one list, so that messages and tests agree. */
export const ConditionType = {
  Ready: 'Ready',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  MonitoringReady: 'MonitoringReady',
  AlertingReady: 'AlertingReady',
  AuthReady: 'AuthReady',
  Paused: 'Paused',
} as const;
export type ConditionTypeName = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  /** Ready: every wanted pod is ready. */
  Available: 'Available',
  PodsNotReady: 'PodsNotReady',
  DeploymentMissing: 'DeploymentMissing',
  ChildrenNotApplied: 'ChildrenNotApplied',
  /** Progressing */
  RolloutInProgress: 'RolloutInProgress',
  RolloutComplete: 'RolloutComplete',
  /** Degraded */
  AsExpected: 'AsExpected',
  InvalidSpec: 'InvalidSpec',
  ApplyFailed: 'ApplyFailed',
  /** An object of a child's name exists that this KeyService does not control: left untouched. */
  ChildNotOwned: 'ChildNotOwned',
  RolloutStuck: 'RolloutStuck',
  ApiKeysRepaired: 'APIKeysRepaired',
  /** MonitoringReady */
  MonitoringApplied: 'MonitoringApplied',
  MonitoringDisabled: 'MonitoringDisabled',
  MonitoringCrdsMissing: 'MonitoringCRDsMissing',
  MonitoringApiUnavailable: 'MonitoringAPIUnavailable',
  /** AlertingReady */
  AlertingApplied: 'AlertingApplied',
  AlertingNotConfigured: 'AlertingNotConfigured',
  AlertingCrdMissing: 'AlertmanagerConfigCRDMissing',
  AlertingApiUnavailable: 'AlertmanagerConfigAPIUnavailable',
  /** AuthReady */
  KeysServed: 'KeysServed',
  SecretAccessMissing: 'SecretAccessMissing',
  /** Paused */
  PausedByAnnotation: 'PausedByAnnotation',
  Resumed: 'Resumed',
} as const;
export type ReasonName = (typeof Reason)[keyof typeof Reason];
