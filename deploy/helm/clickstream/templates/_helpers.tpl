{{- define "clickstream.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "clickstream.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "clickstream.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "clickstream.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector of one role's pods: (dict "root" $ "role" "ingest") */}}
{{- define "clickstream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "clickstream.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "clickstream.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "clickstream.secretName" -}}
{{- default (printf "%s-secrets" (include "clickstream.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/*
The settings every role shares, as environment variables. Kafka and Cassandra are external and
must be named: the chart refuses to render without them.
*/}}
{{- define "clickstream.config" -}}
EVENT_LOG: kafka
STORE: cassandra
KAFKA_BROKERS: {{ required "kafka.brokers is required (host:port of the bootstrap brokers)" (join "," .Values.kafka.brokers) | quote }}
KAFKA_TOPIC: {{ .Values.kafka.topic | quote }}
KAFKA_DLQ_TOPIC: {{ .Values.kafka.dlqTopic | quote }}
KAFKA_TOPIC_PARTITIONS: {{ .Values.kafka.topicPartitions | quote }}
KAFKA_REPLICATION_FACTOR: {{ .Values.kafka.replicationFactor | quote }}
CASSANDRA_CONTACT_POINTS: {{ required "cassandra.contactPoints is required" (join "," .Values.cassandra.contactPoints) | quote }}
CASSANDRA_LOCAL_DC: {{ .Values.cassandra.localDc | quote }}
CASSANDRA_KEYSPACE: {{ .Values.cassandra.keyspace | quote }}
CASSANDRA_REPLICATION: {{ .Values.cassandra.replication | quote }}
CASSANDRA_CONSISTENCY: {{ .Values.cassandra.consistency | quote }}
PORT: "8080"
DATA_DIR: /data
{{- range $name, $value := .Values.config }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Pod-level pieces every Clickstream container shares (the role Deployments and the migration Job). */}}
{{- define "clickstream.envFrom" -}}
- configMapRef:
    name: {{ include "clickstream.fullname" . }}-config
- secretRef:
    name: {{ include "clickstream.secretName" . }}
{{- end -}}

{{- define "clickstream.volumes" -}}
# The root filesystem is read-only: DATA_DIR and the temp folder are the only writable places.
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "clickstream.volumeMounts" -}}
- name: data
  mountPath: /data
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Hook annotations shared by the resources the migration Job needs before install. */}}
{{- define "clickstream.preInstallHook" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ . | quote }}
helm.sh/hook-delete-policy: before-hook-creation
{{- end -}}
