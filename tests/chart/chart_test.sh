#!/usr/bin/env bash
# Tests the Helm chart charts/certstore-operator against a real, throwaway
# control plane (hack/cluster.sh, torn down on exit, whatever happens):
#   1. the chart's copies of crds/, deploy/rbac, the alert template and the
#      Grafana dashboard are in sync with their sources
#      (hack/sync-chart.sh --check);
#   2. helm lint --strict: default values, every optional switch on
#      (tests/chart/values-all.yaml), every switch off;
#   3. values.schema.json and the templates' own checks refuse bad values
#      (wrong type, unknown top-level and nested keys, bad alert thresholds);
#   4. helm template of the three value sets and of watchNamespaces: [a, b];
#      each applied with `kubectl apply --dry-run=server` (ServiceMonitor and
#      PrometheusRule validated against the minimal CRDs in
#      tests/chart/fixtures/crds);
#   5. what they render: the kinds; RBAC rules identical to deploy/rbac
#      (clusterrole.yaml by default, namespaced.yaml with watchNamespaces,
#      which renders no cluster-wide Secret or ConfigMap rights);
#      CRDs identical to crds/ with the keep annotation; the Deployment's
#      security settings, args and scheduling values; the Grafana dashboard
#      ConfigMap holds deploy/grafana/certstore-dashboard.json, labelled for
#      the Grafana sidecar;
#   6. the PrometheusRule's groups equal deploy/prometheus's with default
#      values, and hack/render-alerts.sh's output with custom ones; promtool
#      accepts them;
#   7. helm install (no --wait: this control plane runs no pods), the objects
#      exist as configured; the NOTES' example manifests pass a server-side
#      dry-run; helm upgrade changes the Deployment's args; helm uninstall
#      removes the Deployment and RBAC but keeps the CRDs; a reinstall adopts
#      the kept CRDs;
#  11. a namespaced install (watchNamespaces: [a, b]): `kubectl auth can-i`
#      as the operator's ServiceAccount says yes exactly where the operator
#      works (a, b, the cluster resource namespace's CA Secrets, Events in
#      default, the Lease) and no elsewhere (namespace c, --all-namespaces).
# Usage: tests/chart/chart_test.sh REPO_ROOT. Exits non-zero on any failure.
set -euo pipefail

root=$(cd "${1:?usage: chart_test.sh REPO_ROOT}" && pwd)
chart=$root/charts/certstore-operator
here=$root/tests/chart
t0=$SECONDS
say() { echo "chart_test: [$((SECONDS - t0)) s] $*"; }
fail() { echo "chart_test: FAIL: $*" >&2; exit 1; }

command -v python3 >/dev/null || fail "python3 not found"
# The interpreter itself, not a wrapper such as a pyenv shim (which costs a
# second per call here).
py=$(python3 -c 'import sys; print(sys.executable)')
objects() { "$py" "$here/objects.py" "$@"; }
command -v promtool >/dev/null || fail "promtool not found (Debian package 'prometheus')"
envs=$("$root/hack/controlplane/build.sh" --env) || fail "hack/controlplane/build.sh --env failed"
eval "$envs"
HELM=$HELM_BIN_DIR/helm
KUBECTL=$KUBE_BIN_DIR/kubectl
{ [ -x "$HELM" ] && [ -x "$KUBECTL" ]; } || fail "helm or kubectl missing in $HELM_BIN_DIR / $KUBE_BIN_DIR"

work=$(mktemp -d)
state=$work/cluster
cleanup() {
  local rc=$?
  if [ -d "$state" ]; then
    "$root/hack/cluster.sh" down "$state" >"$work/down.log" 2>&1 || { cat "$work/down.log" >&2; rc=1; }
  fi
  rm -rf "$work"
  [ "$rc" = 0 ] || echo "chart_test: FAILED after $((SECONDS - t0)) s" >&2
  exit "$rc"
}
trap cleanup EXIT
# Helm keeps no state of ours outside $work.
export HELM_CONFIG_HOME=$work/helm/config HELM_CACHE_HOME=$work/helm/cache HELM_DATA_HOME=$work/helm/data

helm() { "$HELM" "$@"; }
k() { "$KUBECTL" "$@"; }
# expect WHAT GOT WANT
expect() {
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  echo "  $1 = $3"
}
# must_fail WHAT PATTERN COMMAND...: COMMAND fails and its stderr matches PATTERN.
must_fail() {
  local what=$1 pattern=$2; shift 2
  if "$@" >"$work/out" 2>"$work/err"; then fail "$what: succeeded, want a failure"; fi
  grep -qE -- "$pattern" "$work/err" || { cat "$work/err" >&2; fail "$what: error does not match /$pattern/"; }
  echo "  refused: $what ($(grep -m1 -oE -- "$pattern" "$work/err"))"
}

ns=certstore-system
release=certstore-operator
# Every optional switch off (the opposite of values-all.yaml).
off=(--set crds.enabled=false --set rbac.create=false --set serviceAccount.create=false
     --set serviceAccount.name=existing-sa --set metrics.enabled=false
     --set podDisruptionBudget.enabled=false --set leaderElection.enabled=false --set replicaCount=1)

say "1. the chart's copies of crds/, deploy/rbac, the alert template and the dashboard are in sync"
bash "$root/hack/sync-chart.sh" --check
[ ! -e "$chart/crds" ] || fail "$chart/crds exists: Helm would install those CRDs once and never upgrade them"

say "2. helm lint --strict (defaults, every switch on, every switch off)"
helm lint --strict "$chart" >"$work/lint.log" || { cat "$work/lint.log"; fail "helm lint (defaults)"; }
helm lint --strict "$chart" -f "$here/values-all.yaml" >"$work/lint.log" || { cat "$work/lint.log"; fail "helm lint (all on)"; }
helm lint --strict "$chart" "${off[@]}" >"$work/lint.log" || { cat "$work/lint.log"; fail "helm lint (all off)"; }
echo "  3 value sets lint clean"

say "3. bad values fail at template/install time"
tpl() { helm template "$release" "$chart" -n "$ns" "$@"; }
must_fail "replicaCount=abc" "/replicaCount.*want integer" tpl --set replicaCount=abc
must_fail "typo'd top-level key replicaCont" "additional properties 'replicaCont' not allowed" tpl --set replicaCont=2
must_fail "typo'd top-level key in a values file" "additional properties 'watchNamespace' not allowed" \
  tpl -f <(printf 'watchNamespace: [team-a]\n')
must_fail "typo'd nested key image.tagg" "additional properties 'tagg' not allowed" tpl --set image.tagg=v1
must_fail "logLevel=verbose" "/logLevel" tpl --set logLevel=verbose
must_fail "workers=0" "/workers" tpl --set workers=0
must_fail "workers=many" "/workers" tpl --set workers=many
must_fail "workers=65" "/workers" tpl --set workers=65
must_fail "workers as the string \"4\"" "/workers" tpl --set-string workers=4
# A value removed (--set workers=null) falls back to auto, not an empty flag.
rendered=$(tpl --set workers=null) || fail "workers=null does not render"
grep -qx -- ' *- --workers=auto' <<<"$rendered" || fail "workers=null does not render --workers=auto"
must_fail "caRotationPropagationDelay=soon" "/caRotationPropagationDelay" tpl --set caRotationPropagationDelay=soon
must_fail "watchNamespaces=[Team_A]" "/watchNamespaces" tpl --set 'watchNamespaces={Team_A}'
must_fail "alerts.notReadyFor=fifteen" "/alerts/notReadyFor" tpl --set alerts.notReadyFor=fifteen
must_fail "alerts.expiringSoonDays=0" "/alerts/expiringSoonDays" tpl --set alerts.expiringSoonDays=0
must_fail "alert threshold checked even without the schema" "alerts.notReadyFor=\"15 m\" is not valid" \
  tpl --skip-schema-validation --set prometheusRule.enabled=true --set 'alerts.notReadyFor=15 m'
must_fail "2 replicas without leader election" "needs leaderElection.enabled=true" \
  tpl --set leaderElection.enabled=false
must_fail "ServiceMonitor without metrics" "serviceMonitor.enabled=true needs metrics.enabled=true" \
  tpl --set serviceMonitor.enabled=true --set metrics.enabled=false
must_fail "serviceAccount.create=false without a name" "serviceAccount.name is required" \
  tpl --set serviceAccount.create=false
must_fail "a dashboard label that is not a string" "/grafanaDashboard/labels/grafana_dashboard" \
  tpl --set grafanaDashboard.enabled=true --set grafanaDashboard.labels.grafana_dashboard=1

say "4. helm template (defaults, every switch on, every switch off)"
tpl >"$work/default.yaml"
tpl -f "$here/values-all.yaml" >"$work/all.yaml"
tpl "${off[@]}" >"$work/off.yaml"
tpl --set crds.keep=false >"$work/nokeep.yaml"
tpl --set 'watchNamespaces={a,b}' >"$work/ns.yaml"
tpl --set prometheusRule.enabled=true >"$work/rule-default.yaml"
tpl --set prometheusRule.enabled=true -f "$here/values-alerts.yaml" >"$work/rule-custom.yaml"
echo "  rendered $(grep -c '^kind:' "$work/default.yaml"), $(grep -c '^kind:' "$work/all.yaml") and $(grep -c '^kind:' "$work/off.yaml") objects"

say "   starting a control plane (monitoring.coreos.com fixture CRDs preinstalled)"
CLUSTER_CRDS_DIR=$here/fixtures/crds "$root/hack/cluster.sh" up "$state" >"$work/cluster.env" 2>"$work/up.log" ||
  { cat "$work/up.log" >&2; fail "hack/cluster.sh up"; }
# shellcheck disable=SC1091
source "$work/cluster.env"
echo "  up after $((SECONDS - t0)) s"

say "4b. kubectl apply --dry-run=server of each rendered set"
k create namespace "$ns" >/dev/null
# Namespaces that namespaced renders put Roles in (ns: a, b; all: team-a,
# team-b and the cluster resource namespace certstore-ca), and c, which the
# namespaced install must not reach.
for n in a b c team-a team-b certstore-ca; do k create namespace "$n" >/dev/null; done
for set in default all off ns; do
  k apply --dry-run=server -f "$work/$set.yaml" >"$work/dry.log" 2>&1 || { cat "$work/dry.log" >&2; fail "server dry-run of $set.yaml"; }
  echo "  $set: $(grep -c 'server dry run' "$work/dry.log") objects accepted by the API server"
done

# YAML -> JSON by kubectl (client-side, no server state changes).
tojson() { k create --dry-run=client -o json -f "$1" >"$2"; }
for f in default all off nokeep ns rule-default rule-custom; do tojson "$work/$f.yaml" "$work/$f.json"; done
tojson "$root/deploy/rbac" "$work/deploy-rbac.json"
tojson "$root/crds" "$work/crds.json"

say "5. what the chart renders"
kinds() { objects kinds "$1" | awk '{print $1}' | sort | uniq -c | awk '{printf "%s%s=%s", sep, $2, $1; sep=","}'; }
expect "default kinds" "$(kinds "$work/default.json")" \
  "ClusterRole=1,ClusterRoleBinding=1,CustomResourceDefinition=4,Deployment=1,PodDisruptionBudget=1,Role=1,RoleBinding=1,Service=1,ServiceAccount=1"
expect "all-on kinds" "$(kinds "$work/all.json")" \
  "ClusterRole=1,ClusterRoleBinding=1,ConfigMap=1,CustomResourceDefinition=4,Deployment=1,NetworkPolicy=1,PodDisruptionBudget=1,PrometheusRule=1,Role=5,RoleBinding=5,Service=1,ServiceAccount=1,ServiceMonitor=1"
expect "all-off kinds" "$(kinds "$work/off.json")" "Deployment=1"
expect "namespaced kinds" "$(kinds "$work/ns.json")" \
  "ClusterRole=1,ClusterRoleBinding=1,CustomResourceDefinition=4,Deployment=1,PodDisruptionBudget=1,Role=5,RoleBinding=5,Service=1,ServiceAccount=1"
echo " cluster-wide (default values): deploy/rbac/clusterrole.yaml"
objects same-rbac "$work/default.json" "$work/deploy-rbac.json" "$ns/$release" \
  "ClusterRole/$release=certstore-operator" \
  "Role/$ns/$release-leader-election=certstore-operator-leader-election"
echo " watchNamespaces: [a, b]: deploy/rbac/namespaced.yaml"
objects same-rbac "$work/ns.json" "$work/deploy-rbac.json" "$ns/$release" \
  "ClusterRole/$release=certstore-operator-namespaced" \
  "Role/a/$release=certstore-operator-watched-namespace" \
  "Role/b/$release=certstore-operator-watched-namespace" \
  "Role/$ns/$release-cluster-resources=certstore-operator-cluster-resource-namespace" \
  "Role/default/$release-cluster-events=certstore-operator-cluster-events" \
  "Role/$ns/$release-leader-election=certstore-operator-leader-election"
objects no-cluster-rights "$work/ns.json" secrets configmaps events certstores certissuers
echo " every switch on (watchNamespaces: [team-a, team-b], clusterResourceNamespace: certstore-ca)"
objects same-rbac "$work/all.json" "$work/deploy-rbac.json" "$ns/$release" \
  "ClusterRole/$release=certstore-operator-namespaced" \
  "Role/team-a/$release=certstore-operator-watched-namespace" \
  "Role/team-b/$release=certstore-operator-watched-namespace" \
  "Role/certstore-ca/$release-cluster-resources=certstore-operator-cluster-resource-namespace" \
  "Role/default/$release-cluster-events=certstore-operator-cluster-events" \
  "Role/$ns/$release-leader-election=certstore-operator-leader-election"
objects no-cluster-rights "$work/all.json" secrets configmaps events certstores certissuers
objects same-crds "$work/default.json" "$work/crds.json" true
objects same-crds "$work/nokeep.json" "$work/crds.json" false

get() { objects get "$work/$1.json" "$2" "$3"; }
pod=spec.template.spec
ctr=$pod.containers.0
expect "replicas" "$(get default Deployment spec.replicas)" 2
expect "pod securityContext" "$(get default Deployment $pod.securityContext)" \
  '{"runAsGroup":65532,"runAsNonRoot":true,"runAsUser":65532,"seccompProfile":{"type":"RuntimeDefault"}}'
expect "container securityContext" "$(get default Deployment $ctr.securityContext)" \
  '{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true,"runAsGroup":65532,"runAsNonRoot":true,"runAsUser":65532,"seccompProfile":{"type":"RuntimeDefault"}}'
expect "liveness probe" "$(get default Deployment $ctr.livenessProbe.httpGet)" '{"path":"/healthz","port":"http-health"}'
expect "readiness probe" "$(get default Deployment $ctr.readinessProbe.httpGet)" '{"path":"/readyz","port":"http-health"}'
expect "resources" "$(get default Deployment $ctr.resources)" '{"limits":{"memory":"512Mi"},"requests":{"cpu":"50m","memory":"96Mi"}}'
expect "downward API env" "$(get default Deployment $ctr.env)" \
  '[{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},{"name":"POD_NAMESPACE","valueFrom":{"fieldRef":{"fieldPath":"metadata.namespace"}}}]'
expect "default args" "$(get default Deployment $ctr.args)" \
  '["--leader-elect","--leader-election-namespace=certstore-system","--cluster-resource-namespace=certstore-system","--workers=auto","--ca-rotation-propagation-delay=60s","--ca-rotation-member-deadline=1h","--renew-request-interval=60s","--workload-restarts=true","--workload-restart-window=10s","--health-api-silence=60s","--reconcile-budget=2m","--shutdown-timeout=25s","--metrics-bind-address=:8080","--health-probe-bind-address=:8081","--log-format=json","--log-level=info"]'
expect "Role namespace" "$(get default Role metadata.namespace)" '"certstore-system"'
expect "PDB" "$(get default PodDisruptionBudget spec.maxUnavailable)" 1
expect "Service targets the metrics port" "$(get default Service spec.ports)" \
  '[{"name":"http-metrics","port":8080,"protocol":"TCP","targetPort":"http-metrics"}]'
expect "all-on args" "$(get all Deployment $ctr.args)" \
  '["--leader-elect","--leader-election-namespace=certstore-system","--cluster-resource-namespace=certstore-ca","--namespaces=team-a,team-b","--workers=4","--ca-rotation-propagation-delay=2m","--ca-rotation-member-deadline=1h","--renew-request-interval=60s","--workload-restarts=true","--workload-restart-window=10s","--health-api-silence=60s","--reconcile-budget=2m","--shutdown-timeout=25s","--metrics-bind-address=:8080","--health-probe-bind-address=:8081","--log-format=text","--log-level=debug","--system-bundle=/etc/corp-ca/bundle.pem","--workers=8"]'
expect "all-on image" "$(get all Deployment $ctr.image)" '"registry.example.org/platform/certstore-operator:dev"'
expect "all-on imagePullSecrets" "$(get all Deployment $pod.imagePullSecrets)" '[{"name":"regcred"}]'
expect "all-on nodeSelector" "$(get all Deployment $pod.nodeSelector)" '{"kubernetes.io/os":"linux","node-role.example.org/infra":"true"}'
expect "all-on tolerations" "$(get all Deployment $pod.tolerations)" '[{"effect":"NoSchedule","key":"node-role.example.org/infra","operator":"Exists"}]'
expect "all-on affinity topologyKey" "$(get all Deployment $pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.0.podAffinityTerm.topologyKey)" '"kubernetes.io/hostname"'
expect "all-on podAnnotations" "$(get all Deployment spec.template.metadata.annotations)" '{"example.org/annotated":"yes"}'
expect "all-on pod labels" "$(get all Deployment spec.template.metadata.labels)" \
  '{"app.kubernetes.io/instance":"certstore-operator","app.kubernetes.io/managed-by":"Helm","app.kubernetes.io/name":"certstore-operator","app.kubernetes.io/part-of":"certstore-operator","app.kubernetes.io/version":"0.1.0","example.org/tier":"control","helm.sh/chart":"certstore-operator-0.1.0"}'
expect "all-on extra volume mount" "$(get all Deployment $ctr.volumeMounts.0.mountPath)" '"/etc/corp-ca"'
expect "all-on PDB" "$(get all PodDisruptionBudget spec)" \
  '{"minAvailable":2,"selector":{"matchLabels":{"app.kubernetes.io/instance":"certstore-operator","app.kubernetes.io/name":"certstore-operator"}}}'
expect "all-on ServiceMonitor endpoint" "$(get all ServiceMonitor spec.endpoints.0.port),$(get all ServiceMonitor spec.endpoints.0.honorLabels),$(get all ServiceMonitor spec.endpoints.0.interval)" \
  '"http-metrics",true,"30s"'
expect "all-on NetworkPolicy ingress" "$(get all NetworkPolicy spec.ingress)" \
  '[{"from":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}}],"ports":[{"port":"http-metrics","protocol":"TCP"}]}]'
expect "all-on dashboard ConfigMap" \
  "$(get all ConfigMap metadata.name),$(get all ConfigMap metadata.namespace),$(get all ConfigMap metadata.labels.grafana_dashboard),$(get all ConfigMap metadata.annotations)" \
  '"certstore-operator-dashboard","certstore-system","1",{"grafana_folder":"Certificates"}'
objects same-dashboard "$work/all.json" "$root/deploy/grafana/certstore-dashboard.json"
expect "all-off args" "$(get off Deployment $ctr.args)" \
  '["--cluster-resource-namespace=certstore-system","--workers=auto","--ca-rotation-propagation-delay=60s","--ca-rotation-member-deadline=1h","--renew-request-interval=60s","--workload-restarts=true","--workload-restart-window=10s","--health-api-silence=60s","--reconcile-budget=2m","--shutdown-timeout=25s","--metrics-bind-address=0","--health-probe-bind-address=:8081","--log-format=json","--log-level=info"]'
expect "all-off ServiceAccount" "$(get off Deployment $pod.serviceAccountName)" '"existing-sa"'

say "6. PrometheusRule: the same rules as deploy/prometheus and hack/render-alerts.sh"
# A rules file -> a PrometheusRule object -> JSON, to compare spec.groups.
as_rule() {
  { printf 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: plain\nspec:\n'
    sed 's/^/  /' "$1"; } >"$work/wrapped.yaml"
  tojson "$work/wrapped.yaml" "$2"
}
as_rule "$root/deploy/prometheus/certstore-alerts.rules.yaml" "$work/plain.json"
echo " defaults vs deploy/prometheus/certstore-alerts.rules.yaml:"
objects same-groups "$work/rule-default.json" "$work/plain.json"
# values-alerts.yaml sets every threshold; render-alerts.sh gets the same.
env -i PATH="$PATH" ALERTS_EXPIRING_SOON_DAYS=7 ALERTS_EXPIRING_SOON_LIFETIME_FRACTION=0.25 \
  ALERTS_RENEWAL_GRACE_MINUTES=30 ALERTS_NOT_READY_FOR=1h ALERTS_ISSUER_NOT_READY_FOR=20m \
  ALERTS_CA_EXPIRING_SOON_DAYS=60 ALERTS_TRUSTSTORE_EXPIRING_SOON_DAYS=45 ALERTS_OPERATOR_ABSENT_FOR=5m \
  ALERTS_NO_LEADER_FOR=15m ALERTS_RECONCILE_ERROR_RATIO=0.05 ALERTS_RECONCILE_ERROR_WINDOW=30m \
  ALERTS_RECONCILE_ERRORS_FOR=1h ALERTS_WORKLOAD_RESTART_PENDING_FOR=45m ALERTS_RUNBOOK_BASE_URL=https://runbooks.example.org/certstore/alerts.md \
  bash "$root/hack/render-alerts.sh" >"$work/custom.rules.yaml"
as_rule "$work/custom.rules.yaml" "$work/custom.json"
echo " tests/chart/values-alerts.yaml vs hack/render-alerts.sh with the same thresholds:"
objects same-groups "$work/rule-custom.json" "$work/custom.json"
grep -qF '< 7 * 86400' "$work/rule-custom.yaml" || fail "custom threshold 7 days not in the chart's PrometheusRule"
for f in rule-default rule-custom; do
  objects rules-file "$work/$f.json" "$work/$f.rules.json"
  promtool check rules "$work/$f.rules.json" >"$work/promtool.log" || { cat "$work/promtool.log"; fail "promtool check rules ($f)"; }
  echo "  promtool check rules ($f): $(grep -oE '[0-9]+ rules found' "$work/promtool.log")"
done

say "7. helm install into the control plane (no --wait: no kubelet here)"
helm install "$release" "$chart" -n "$ns" --create-namespace >"$work/install.log" ||
  { cat "$work/install.log"; fail "helm install"; }
expect "release status" "$(helm status "$release" -n "$ns" | sed -n 's/^STATUS: //p')" deployed
d="deployment/$release"
expect "Deployment replicas" "$(k -n "$ns" get "$d" -o jsonpath='{.spec.replicas}')" 2
expect "runAsNonRoot, runAsUser" "$(k -n "$ns" get "$d" -o jsonpath='{.spec.template.spec.containers[0].securityContext.runAsNonRoot},{.spec.template.spec.containers[0].securityContext.runAsUser}')" "true,65532"
expect "readOnlyRootFilesystem" "$(k -n "$ns" get "$d" -o jsonpath='{.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem}')" true
expect "allowPrivilegeEscalation" "$(k -n "$ns" get "$d" -o jsonpath='{.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation}')" false
expect "capabilities.drop" "$(k -n "$ns" get "$d" -o jsonpath='{.spec.template.spec.containers[0].securityContext.capabilities.drop}')" '["ALL"]'
expect "seccompProfile" "$(k -n "$ns" get "$d" -o jsonpath='{.spec.template.spec.securityContext.seccompProfile.type},{.spec.template.spec.containers[0].securityContext.seccompProfile.type}')" "RuntimeDefault,RuntimeDefault"
expect "ServiceAccount" "$(k -n "$ns" get serviceaccount "$release" -o name)" "serviceaccount/$release"
expect "Deployment runs as it" "$(k -n "$ns" get "$d" -o jsonpath='{.spec.template.spec.serviceAccountName}')" "$release"
expect "ClusterRole" "$(k get clusterrole "$release" -o name)" "clusterrole.rbac.authorization.k8s.io/$release"
expect "ClusterRoleBinding subject" "$(k get clusterrolebinding "$release" -o jsonpath='{.subjects[0].namespace}/{.subjects[0].name}')" "$ns/$release"
expect "Role" "$(k -n "$ns" get role "$release-leader-election" -o jsonpath='{.rules[0].resources[0]}:{.rules[0].verbs};{.rules[1].resourceNames}:{.rules[1].verbs}')" 'leases:["create"];["certstore-operator"]:["get","update"]'
expect "RoleBinding" "$(k -n "$ns" get rolebinding "$release-leader-election" -o jsonpath='{.roleRef.kind}/{.roleRef.name}')" "Role/$release-leader-election"
expect "Service" "$(k -n "$ns" get service "$release-metrics" -o jsonpath='{.spec.ports[0].port}')" 8080
expect "PodDisruptionBudget" "$(k -n "$ns" get poddisruptionbudget "$release" -o jsonpath='{.spec.maxUnavailable}')" 1
# The operator's RBAC, as the API server evaluates it.
sa="system:serviceaccount:$ns:$release"
expect "can update secrets in any namespace" "$(k auth can-i update secrets -n team-x --as "$sa")" yes
expect "can update its Lease in $ns" "$(k auth can-i update leases.coordination.k8s.io/certstore-operator -n "$ns" --as "$sa")" yes
expect "cannot update another Lease in $ns" "$(k auth can-i update leases.coordination.k8s.io/someone-else -n "$ns" --as "$sa" || true)" no
expect "cannot update leases elsewhere" "$(k auth can-i update leases.coordination.k8s.io/certstore-operator -n team-x --as "$sa" || true)" no
# delete: only to replace an owned Secret whose type must change (spec.secretType).
expect "can delete secrets (type migration)" "$(k auth can-i delete secrets -n team-x --as "$sa")" yes
expect "cannot deletecollection secrets" "$(k auth can-i deletecollection secrets -n team-x --as "$sa" || true)" no
for crd in certstores certissuers clustercertissuers trustbundles; do
  k wait --for=condition=Established --timeout=30s "crd/$crd.certstore.dev" >/dev/null
  expect "CRD $crd.certstore.dev keep policy" \
    "$(k get crd "$crd.certstore.dev" -o jsonpath='{.metadata.annotations.helm\.sh/resource-policy},{.metadata.annotations.meta\.helm\.sh/release-name}')" "keep,$release"
done
# To a file first: with pipefail, `grep -q` closing the pipe early makes a
# large manifest's helm exit on SIGPIPE.
helm get manifest "$release" -n "$ns" >"$work/manifest.yaml"
grep -q '^kind: CustomResourceDefinition' "$work/manifest.yaml" ||
  fail "the CRDs are not part of the release manifest, so helm upgrade would not upgrade them"
echo "  CRDs are in the release manifest (upgraded with it)"

say "7b. the example manifests in NOTES.txt pass a server-side dry-run"
helm get notes "$release" -n "$ns" >"$work/notes.txt"
awk '/<<.YAML.$/ {on = 1; print "---"; next} /^ *YAML$/ {on = 0; next} on {sub(/^     /, ""); print}' \
  "$work/notes.txt" >"$work/notes-examples.yaml"
grep -q 'kind: CertStore' "$work/notes-examples.yaml" || fail "NOTES.txt has no example CertStore"
grep -q 'kubectl get cstore' "$work/notes.txt" || fail "NOTES.txt does not say kubectl get cstore"
grep -q 'kubectl -n default wait --for=condition=Ready cstore/my-app' "$work/notes.txt" || fail "NOTES.txt has no kubectl wait"
k apply --dry-run=server -f "$work/notes-examples.yaml" >"$work/dry.log" 2>&1 || { cat "$work/dry.log" >&2; fail "NOTES examples"; }
sed 's/^/  /' "$work/dry.log"

say "8. helm upgrade --set logLevel=debug changes the Deployment"
helm upgrade "$release" "$chart" -n "$ns" --reuse-values --set logLevel=debug >"$work/upgrade.log" ||
  { cat "$work/upgrade.log"; fail "helm upgrade"; }
args=$(k -n "$ns" get "$d" -o jsonpath='{.spec.template.spec.containers[0].args}')
case $args in *'"--log-level=debug"'*) ;; *) fail "Deployment args after upgrade: $args" ;; esac
case $args in *'"--log-level=info"'*) fail "old --log-level=info still in $args" ;; esac
echo "  args now: $args"
expect "release revision" "$(helm status "$release" -n "$ns" | sed -n 's/^REVISION: //p')" 2

say "9. helm uninstall removes the operator and keeps the CRDs"
k apply -f - >/dev/null <<'EOF'
apiVersion: certstore.dev/v1alpha1
kind: ClusterCertIssuer
metadata:
  name: survives-uninstall
spec:
  selfSigned: {secretName: survives-uninstall, commonName: Survives Uninstall CA}
EOF
helm uninstall "$release" -n "$ns" >"$work/uninstall.log" || { cat "$work/uninstall.log"; fail "helm uninstall"; }
gone() { # kind/name [ns]: polls until NotFound, 30 s at most
  local deadline=$((SECONDS + 30))
  while k ${2:+-n "$2"} get "$1" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$1 still exists 30 s after helm uninstall"
    sleep 0.5
  done
  echo "  $1 gone"
}
gone "$d" "$ns"
gone "clusterrole/$release"
gone "clusterrolebinding/$release"
gone "role/$release-leader-election" "$ns"
gone "serviceaccount/$release" "$ns"
for crd in certstores certissuers clustercertissuers trustbundles; do
  k get crd "$crd.certstore.dev" >/dev/null || fail "CRD $crd.certstore.dev was deleted (crds.keep=true)"
  echo "  crd/$crd.certstore.dev kept"
done
k get clustercertissuer survives-uninstall >/dev/null || fail "a ClusterCertIssuer did not survive helm uninstall"
echo "  clustercertissuer/survives-uninstall kept"

say "10. a reinstall adopts the kept CRDs"
helm install "$release" "$chart" -n "$ns" --set logLevel=warn >"$work/install.log" ||
  { cat "$work/install.log"; fail "helm install over kept CRDs"; }
expect "reinstalled Deployment log level" \
  "$(k -n "$ns" get "$d" -o jsonpath='{.spec.template.spec.containers[0].args}' |
     grep -o -- '--log-level=[a-z]*')" "--log-level=warn"
helm uninstall "$release" -n "$ns" >/dev/null

say "11. a namespaced install (watchNamespaces: [a, b]): what the ServiceAccount may do"
helm install "$release" "$chart" -n "$ns" --set 'watchNamespaces={a,b}' >"$work/install.log" ||
  { cat "$work/install.log"; fail "helm install with watchNamespaces"; }
expect "namespaced Deployment args" \
  "$(k -n "$ns" get "$d" -o jsonpath='{.spec.template.spec.containers[0].args}' | grep -o -- '--namespaces=[a-z,]*')" \
  "--namespaces=a,b"
# can VERB RESOURCE [kubectl auth can-i flags...]: "yes" or "no", as the
# API server's authorizer answers for the operator's ServiceAccount.
can() { k auth can-i "$@" --as "$sa" 2>/dev/null || true; }
allowed() { # WHERE RESOURCE VERB...: each VERB is allowed
  local where=$1 res=$2; shift 2
  for verb in "$@"; do expect "can $verb $res $where" "$(can "$verb" "$res" $where)" yes; done
}
denied() { # WHERE RESOURCE VERB...: each VERB is refused
  local where=$1 res=$2; shift 2
  for verb in "$@"; do expect "cannot $verb $res $where" "$(can "$verb" "$res" $where)" no; done
}
for n in a b; do
  allowed "-n $n" secrets get list watch create update patch delete
  allowed "-n $n" configmaps get list watch create update delete
  denied "-n $n" configmaps patch deletecollection
  allowed "-n $n" certstores.certstore.dev get list watch
  allowed "-n $n" certissuers.certstore.dev get list watch
  allowed "-n $n --subresource=status" certstores.certstore.dev get patch update
  allowed "-n $n --subresource=status" certissuers.certstore.dev get patch update
  allowed "-n $n" events create patch get
  allowed "-n $n" deployments.apps list watch patch
  allowed "-n $n" statefulsets.apps list watch patch
  allowed "-n $n" daemonsets.apps list watch patch
  denied "-n $n" deployments.apps get create update delete
  denied "-n $n" statefulsets.apps get create update delete
  denied "-n $n" daemonsets.apps get create update delete
  denied "-n $n" secrets deletecollection
  denied "-n $n" certstores.certstore.dev update patch delete
done
# Namespace c is not watched: nothing there.
denied "-n c" secrets get list watch create update patch
denied "-n c" configmaps get list watch
denied "-n c" certstores.certstore.dev get list watch
denied "-n c" certissuers.certstore.dev get list
denied "-n c --subresource=status" certstores.certstore.dev patch
denied "-n c" events create
denied "-n c" deployments.apps get list watch patch
# Nothing cluster-wide but ClusterCertIssuers and namespaces, read-only.
denied "--all-namespaces" secrets get list watch
denied "--all-namespaces" configmaps get list watch
denied "--all-namespaces" certstores.certstore.dev list watch
denied "--all-namespaces" certissuers.certstore.dev list watch
denied "--all-namespaces" events create
denied "--all-namespaces" deployments.apps list watch
allowed "" clustercertissuers.certstore.dev get list watch
allowed "--subresource=status" clustercertissuers.certstore.dev get patch update
denied "" clustercertissuers.certstore.dev create update patch delete
allowed "" trustbundles.certstore.dev get list watch
allowed "--subresource=status" trustbundles.certstore.dev get patch update
denied "" trustbundles.certstore.dev create update patch delete
allowed "" namespaces get list watch
denied "" namespaces update patch
# The cluster resource namespace: ClusterCertIssuer CA Secrets, read,
# created once, patched only when a selfSigned root renews itself; never
# replaced or deleted.
allowed "-n $ns" secrets get list watch create patch
denied "-n $ns" secrets update delete
allowed "-n $ns" configmaps get list watch
denied "-n $ns" configmaps create update patch delete
denied "-n $ns" certstores.certstore.dev list
# Events about ClusterCertIssuers, in default; nothing else there.
allowed "-n default" events create patch get
denied "-n default" secrets get list
allowed "-n $ns" leases.coordination.k8s.io create
allowed "-n $ns" leases.coordination.k8s.io/certstore-operator get update
denied "-n $ns" leases.coordination.k8s.io/someone-else get update
denied "-n a" leases.coordination.k8s.io/certstore-operator update
helm uninstall "$release" -n "$ns" >/dev/null
for n in a b; do gone "role/$release" "$n"; gone "rolebinding/$release" "$n"; done
gone "role/$release-cluster-resources" "$ns"
gone "role/$release-cluster-events" default
gone "clusterrole/$release"

say "PASS in $((SECONDS - t0)) s"
