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

{{/* resources.limits.memory in whole MiB (rounded down); accepts the quantity forms of the schema. */}}
{{- define "user-api.memoryLimitMiB" -}}
{{- $limit := .Values.resources.limits.memory | default "" }}
{{- /* A plain number in a values file arrives as a float; print it without an exponent. */}}
{{- $limit = kindIs "float64" $limit | ternary (printf "%.0f" $limit) (toString $limit) }}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $limit }}
{{- $unit := trimPrefix $number $limit }}
{{- $bytesPerUnit := dict "" 1 "k" 1000 "Ki" 1024 "M" 1000000 "Mi" 1048576 "G" 1000000000 "Gi" 1073741824 "T" 1000000000000 "Ti" 1099511627776 }}
{{- if or (not $number) (not (hasKey $bytesPerUnit $unit)) }}
{{- fail (printf "resources.limits.memory (%q) must be a memory quantity such as 320Mi: the V8 heap limit is derived from it" $limit) }}
{{- end }}
{{- div (mulf (float64 $number) (get $bytesPerUnit $unit) | int64) 1048576 }}
{{- end }}

{{/* The V8 old generation gets the memory limit minus what Node needs besides it, so V8 collects
     garbage before the container reaches its limit instead of being killed by the kernel. Node's
     own default follows the cgroup limit: it lets the heap alone grow to about the whole limit. */}}
{{- define "user-api.nodeOptions" -}}
{{- $limit := int (include "user-api.memoryLimitMiB" .) }}
{{- $oldSpace := sub $limit (int .Values.nodeMemory.reservedMiB) }}
{{- if lt $oldSpace 64 }}
{{- fail (printf "resources.limits.memory (%d MiB) minus nodeMemory.reservedMiB (%d MiB) leaves %d MiB for the V8 old generation; at least 64 MiB are needed" $limit (int .Values.nodeMemory.reservedMiB) $oldSpace) }}
{{- end }}
{{- printf "--max-old-space-size=%d --max-semi-space-size=%d" $oldSpace (int .Values.nodeMemory.semiSpaceMiB) }}
{{- end }}

{{/* Seconds load balancers need to stop sending requests to a terminating pod: the kubelet's
     readiness period x threshold plus the load balancer's own deregistration time. */}}
{{- define "user-api.drainSeconds" -}}
{{- add (mul .Values.readinessProbe.periodSeconds .Values.readinessProbe.failureThreshold) .Values.drain.loadBalancerDeregistrationSeconds }}
{{- end }}

{{/* "true" when the drain is a preStop sleep: the kubelet's sleep action exists from Kubernetes
     1.30 (beta, on by default). Older API servers drop the field, which would silently remove the
     drain, so `auto` falls back to the app's own drain there: it needs nothing in the image. */}}
{{- define "user-api.preStopSleep" -}}
{{- if eq .Values.drain.preStop "auto" }}
{{- semverCompare ">=1.30-0" .Capabilities.KubeVersion.Version }}
{{- else }}
{{- eq .Values.drain.preStop "sleep" }}
{{- end }}
{{- end }}

{{/* SHUTDOWN_DRAIN_SECONDS: none after a preStop sleep (the wait is over when SIGTERM arrives). */}}
{{- define "user-api.appDrainSeconds" -}}
{{- if eq (include "user-api.preStopSleep" .) "true" }}0{{ else }}{{ include "user-api.drainSeconds" . }}{{ end }}
{{- end }}

{{/* The app's DescribeTable timeout at start-up (READINESS_CHECK_TIMEOUT_MS in src/health/readiness.ts). */}}
{{- define "user-api.readinessCheckTimeoutSeconds" -}}
2
{{- end }}

{{- define "user-api.terminationGracePeriodSeconds" -}}
{{- $needed := add (include "user-api.drainSeconds" .) .Values.config.shutdownTimeoutSeconds }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $needed 5 }}
{{- else if le (int .Values.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed the drain (%s s: readinessProbe.periodSeconds x failureThreshold + drain.loadBalancerDeregistrationSeconds) + config.shutdownTimeoutSeconds (%d s), or the kubelet kills pods mid-drain; leave it empty to derive it" (int .Values.terminationGracePeriodSeconds) (include "user-api.drainSeconds" .) (int .Values.config.shutdownTimeoutSeconds)) }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* Proxies whose X-Forwarded-For entry the app trusts: as set, or one (the Ingress controller or
     Gateway, which appends the client's address) when the chart routes traffic through one. */}}
{{- define "user-api.trustedProxyHops" -}}
{{- if kindIs "invalid" .Values.config.trustedProxyHops }}
{{- ternary 1 0 (or .Values.ingress.enabled .Values.httpRoute.enabled) }}
{{- else }}
{{- .Values.config.trustedProxyHops | int }}
{{- end }}
{{- end }}

{{/* The Strict-Transport-Security value of ingress.hsts. */}}
{{- define "user-api.hstsValue" -}}
{{- with .Values.ingress.hsts }}
{{- if and .preload (or (not .includeSubDomains) (lt (.maxAgeSeconds | int) 31536000)) }}
{{- fail "ingress.hsts.preload needs includeSubDomains and a maxAgeSeconds of at least 31536000 (one year): browsers refuse to preload anything less" }}
{{- end }}
{{- printf "max-age=%d" (.maxAgeSeconds | int) }}
{{- if .includeSubDomains }}; includeSubDomains{{ end }}
{{- if .preload }}; preload{{ end }}
{{- end }}
{{- end }}

{{- define "user-api.edgeHeadersConfigMapName" -}}
{{- printf "%s-edge-headers" (include "user-api.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* True when ingress-nginx should set HSTS for this Ingress through a custom-headers ConfigMap. */}}
{{- define "user-api.ingressNginxHsts" -}}
{{- if and .Values.ingress.enabled (eq .Values.ingress.controller "ingress-nginx") .Values.ingress.hsts.enabled .Values.ingress.hsts.ingressNginxCustomHeaders }}true{{ end }}
{{- end }}

{{/* The Ingress annotations the chart adds for its controller (HSTS where TLS terminates, the WAF,
     no Server header naming the load balancer), merged under ingress.annotations, which win. */}}
{{- define "user-api.ingressAnnotations" -}}
{{- $added := dict }}
{{- if eq .Values.ingress.controller "aws-load-balancer-controller" }}
{{- with .Values.ingress.wafv2AclArn }}
{{- $_ := set $added "alb.ingress.kubernetes.io/wafv2-acl-arn" . }}
{{- end }}
{{- /* IP targets: the ALB reaches pods directly (the NetworkPolicy admits its subnets), checks
     readiness as the kubelet does, and drains with the endpoints instead of a node hop. */}}
{{- $_ := set $added "alb.ingress.kubernetes.io/target-type" "ip" }}
{{- $_ := set $added "alb.ingress.kubernetes.io/healthcheck-path" "/readyz" }}
{{- $attributes := list "routing.http.response.server.enabled=false" }}
{{- if .Values.ingress.hsts.enabled }}
{{- $attributes = append $attributes (printf "routing.http.response.strict_transport_security.header_value=%s" (include "user-api.hstsValue" .)) }}
{{- end }}
{{- $_ := set $added "alb.ingress.kubernetes.io/listener-attributes.HTTPS-443" (join "," $attributes) }}
{{- else if include "user-api.ingressNginxHsts" . }}
{{- $_ := set $added "nginx.ingress.kubernetes.io/custom-headers" (printf "%s/%s" .Release.Namespace (include "user-api.edgeHeadersConfigMapName" .)) }}
{{- end }}
{{- toYaml (merge (deepCopy .Values.ingress.annotations) $added) }}
{{- end }}
