{{- define "keyservice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The operator's objects are named after the release; a release named like the chart is not repeated. */}}
{{- define "keyservice.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "keyservice.operatorName" -}}
{{- printf "%s-operator" (include "keyservice.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "keyservice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "keyservice.operatorName" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "keyservice.serverName" -}}
{{- default .Release.Name .Values.server.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "keyservice.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: keyservice
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/* Selector labels never change for the life of a release: a Deployment's selector is immutable. */}}
{{- define "keyservice.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "keyservice.name" . }}-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "keyservice.operatorLabels" -}}
{{ include "keyservice.labels" . }}
{{ include "keyservice.operatorSelectorLabels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "keyservice.operatorImage" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) }}
{{- end }}

{{/*
The CRD's CEL rules, checked at render time: without this the install fails half-way through, after the operator
is already in place, when the API server refuses the KeyService.
*/}}
{{- define "keyservice.validateServer" -}}
{{- $server := .Values.server }}
{{- if eq (int $server.port) (int $server.metricsPort) }}
{{- fail (printf "server.metricsPort (%d) must differ from server.port (%d)" (int $server.metricsPort) (int $server.port)) }}
{{- end }}
{{- if and ($server.auth | default dict).enabled (not .Values.operator.secretsAccess) }}
{{- fail "server.auth.enabled needs operator.secretsAccess=true: the operator keeps the API keys in a Secret" }}
{{- end }}
{{- $autoscaling := $server.autoscaling | default dict }}
{{- if and (hasKey $autoscaling "minReplicas") (hasKey $autoscaling "maxReplicas") (gt (int $autoscaling.minReplicas) (int $autoscaling.maxReplicas)) }}
{{- fail (printf "server.autoscaling.minReplicas (%d) must be less than or equal to server.autoscaling.maxReplicas (%d)" (int $autoscaling.minReplicas) (int $autoscaling.maxReplicas)) }}
{{- end }}
{{- end }}
