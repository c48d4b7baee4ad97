{{/* Chart name, overridable. */}}
{{- define "certstore-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: the prefix of every object name. The release name alone when it
already contains the chart name (helm install certstore-operator ...).
*/}}
{{- define "certstore-operator.fullname" -}}
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

{{- define "certstore-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the operator pods; never change them in an upgrade. */}}
{{- define "certstore-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "certstore-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every object of the release. */}}
{{- define "certstore-operator.labels" -}}
helm.sh/chart: {{ include "certstore-operator.chart" . }}
{{ include "certstore-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: certstore-operator
{{- end }}

{{- define "certstore-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "certstore-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "certstore-operator.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "certstore-operator.leaderElectionNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{- define "certstore-operator.clusterResourceNamespace" -}}
{{- default .Release.Namespace .Values.clusterResourceNamespace }}
{{- end }}

{{/*
The RBAC rules, read from files/rbac/*.yaml: copies of deploy/rbac/*.yaml
(hack/sync-chart.sh), which the integration tests bind to the operator.
Call with (list . "<ClusterRole name there>"); returns that ClusterRole's
rules as YAML. The names are unique across the files.
*/}}
{{- define "certstore-operator.rbacRules" -}}
{{- $root := index . 0 }}
{{- $want := index . 1 }}
{{- $found := dict }}
{{- range $path, $file := $root.Files.Glob "files/rbac/*.yaml" }}
{{- range $doc := regexSplit "(?m)^---[ \t]*$" ($root.Files.Get $path) -1 }}
{{- $obj := fromYaml $doc }}
{{- if and $obj (eq (dig "metadata" "name" "" $obj) $want) }}
{{- $_ := set $found "rules" $obj.rules }}
{{- end }}
{{- end }}
{{- end }}
{{- if not $found.rules }}
{{- fail (printf "files/rbac/*.yaml has no ClusterRole %q with rules; run hack/sync-chart.sh" $want) }}
{{- end }}
{{- toYaml $found.rules }}
{{- end }}

{{/*
A Role with the rules of a ClusterRole in files/rbac/, and the RoleBinding
that gives it to the operator's ServiceAccount, in one namespace. Call with
(list . "<Role name>" "<namespace>" "<ClusterRole name in files/rbac/>").
*/}}
{{- define "certstore-operator.role" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $ns := index . 2 }}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ $name }}
  namespace: {{ $ns }}
  labels:
    {{- include "certstore-operator.labels" $root | nindent 4 }}
rules:
  {{- include "certstore-operator.rbacRules" (list $root (index . 3)) | nindent 2 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $name }}
  namespace: {{ $ns }}
  labels:
    {{- include "certstore-operator.labels" $root | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ $name }}
subjects:
  - kind: ServiceAccount
    name: {{ include "certstore-operator.serviceAccountName" $root }}
    namespace: {{ $root.Release.Namespace }}
{{- end }}

{{/* Checks of combinations the schema cannot express. */}}
{{- define "certstore-operator.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail (printf "replicaCount=%v needs leaderElection.enabled=true: without a Lease every replica would reconcile the same objects" .Values.replicaCount) }}
{{- end }}
{{- if and .Values.serviceMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "serviceMonitor.enabled=true needs metrics.enabled=true" }}
{{- end }}
{{- if eq (int .Values.metrics.port) (int .Values.healthProbePort) }}
{{- fail (printf "metrics.port and healthProbePort must differ (both %v)" .Values.metrics.port) }}
{{- end }}
{{- end }}
