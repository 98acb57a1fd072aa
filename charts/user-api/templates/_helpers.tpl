{{/* Names are truncated to 63 characters: the DNS label limit for Kubernetes names. */}}
{{- define "user-api.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "user-api.fullname" -}}
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

{{- define "user-api.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels are only name and instance: selectors are immutable after install. */}}
{{- define "user-api.selectorLabels" -}}
app.kubernetes.io/name: {{ include "user-api.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "user-api.labels" -}}
helm.sh/chart: {{ include "user-api.chart" . }}
{{ include "user-api.selectorLabels" . }}
app.kubernetes.io/version: {{ include "user-api.imageVersion" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: user-api
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* An indented `annotations:` block of commonAnnotations merged with the given map, starting on a
     new line; nothing at all when both are empty. Call it as {{- include ... }} after `labels`. */}}
{{- define "user-api.annotations" -}}
{{- $annotations := merge (deepCopy (.annotations | default dict)) .context.Values.commonAnnotations }}
{{- with $annotations }}
{{ printf "annotations:\n%s" (toYaml . | indent 2) | indent 2 }}
{{- end }}
{{- end }}

{{- define "user-api.imageVersion" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* A digest pins the exact image; the tag is kept for readability (registry/repo:tag@sha256:...). */}}
{{- define "user-api.image" -}}
{{- $tag := include "user-api.imageVersion" . }}
{{- if eq $tag "latest" }}
{{- fail "image.tag must not be \"latest\": pin a version or set image.digest" }}
{{- end }}
{{- $repository := .Values.image.repository }}
{{- if .Values.image.registry }}
{{- $repository = printf "%s/%s" .Values.image.registry .Values.image.repository }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" $repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
{{- end }}

{{- define "user-api.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "user-api.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "user-api.apiKeysSecretName" -}}
{{- default (printf "%s-api-keys" (include "user-api.fullname" .)) .Values.apiKeys.existingSecret }}
{{- end }}

{{- define "user-api.cursorSecretName" -}}
{{- default (printf "%s-cursor-secret" (include "user-api.fullname" .)) .Values.auth.oidc.cursorSecret.existingSecret }}
{{- end }}

{{- define "user-api.awsCredentialsSecretName" -}}
{{- if .Values.awsCredentials.create }}
{{- printf "%s-aws-credentials" (include "user-api.fullname" .) }}
{{- else }}
{{- .Values.awsCredentials.existingSecret }}
{{- end }}
{{- end }}

{{/* The label that lets a pod through the NetworkPolicy (used by the helm test pod). */}}
{{- define "user-api.clientLabel" -}}
{{ include "user-api.fullname" . }}-client: "true"
{{- end }}

{{/* Largest number of pods that can run at once; a PDB only makes sense above one. */}}
{{- define "user-api.maxReplicas" -}}
{{- if .Values.autoscaling.enabled }}
{{- .Values.autoscaling.maxReplicas }}
{{- else }}
{{- .Values.replicaCount }}
{{- end }}
{{- end }}

{{- define "user-api.apiKeysMountPath" -}}
/var/run/secrets/user-api
{{- end }}

{{- define "user-api.cursorSecretMountPath" -}}
/var/run/secrets/user-api-cursor
{{- end }}
