import type { KeyService } from '../spec.js';
import { type DesiredOptions, childMetadataForKeyService } from './labels.js';

const SUMMARY = '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }}/{{ .CommonLabels.keyservice }})';
const DETAILS = '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}';

/**
 * Routes this KeyService's alerts (prometheus-operator adds the namespace matcher itself) of the chosen severities
 * to its Slack channel and mailbox; secrets are referenced, never copied. Null when neither receiver is set.
 */
export function buildAlertmanagerConfig(ks: KeyService, options: DesiredOptions): Record<string, unknown> | null {
  const { slack, email, severities, groupWait, groupInterval, repeatInterval } = ks.spec.alerting;
  if (slack === undefined && email === undefined) return null;
  const receiver = `keyservice-${ks.metadata.name}`;
  const receiverSpec: Record<string, unknown> = { name: receiver };
  if (slack !== undefined) {
    receiverSpec.slackConfigs = [
      { apiURL: { ...slack.webhookUrl }, channel: slack.channel, sendResolved: true, title: SUMMARY, text: DETAILS },
    ];
  }
  if (email !== undefined) {
    receiverSpec.emailConfigs = [
      {
        to: email.to,
        from: email.from,
        smarthost: email.smarthost,
        requireTLS: email.requireTLS,
        sendResolved: true,
        headers: [{ key: 'Subject', value: SUMMARY }],
        ...(email.password === undefined ? {} : { authUsername: email.username ?? email.from, authPassword: { ...email.password } }),
      },
    ];
  }
  return {
    apiVersion: 'monitoring.coreos.com/v1alpha1',
    kind: 'AlertmanagerConfig',
    metadata: childMetadataForKeyService(ks, options),
    spec: {
      route: {
        receiver,
        groupBy: ['alertname', 'keyservice'],
        matchers: [
          { name: 'keyservice', value: ks.metadata.name, matchType: '=' },
          { name: 'severity', value: severities.join('|'), matchType: '=~' },
        ],
        ...(groupWait === undefined ? {} : { groupWait }),
        ...(groupInterval === undefined ? {} : { groupInterval }),
        ...(repeatInterval === undefined ? {} : { repeatInterval }),
      },
      receivers: [receiverSpec],
    },
  };
}
