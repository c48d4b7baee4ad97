// How to reach and authenticate to the API server: in-cluster service
// account configuration or a kubeconfig file.
#ifndef CERTSTORE_KUBE_CONFIG_H_
#define CERTSTORE_KUBE_CONFIG_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "operator/common/secret.h"
#include "operator/common/status.h"

namespace certstore::kube {

// An exec credential plugin (client.authentication.k8s.io/v1), as cloud
// providers configure (`aws eks get-token`, `gke-gcloud-auth-plugin`).
struct ExecConfig {
  std::string api_version;
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
};

struct ClusterConfig {
  std::string server;  // "https://127.0.0.1:6443"
  std::string ca_pem;  // empty: system trust
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // overrides the name checked in the cert
  std::string client_cert_pem;  // client certificate authentication
  SecretBytes client_key_pem;
  SecretBytes token;               // static bearer token
  std::string token_file;          // bearer token re-read when it changes
  std::optional<ExecConfig> exec;  // exec credential plugin
  std::string namespace_;          // default namespace ("default")
  std::string user_agent = "certstore-operator";

  ClusterConfig() = default;
  ClusterConfig(ClusterConfig&&) = default;
  ClusterConfig& operator=(ClusterConfig&&) = default;
};

// Paths used by in-cluster configuration; overridable for tests.
struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string ns = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// In-cluster: KUBERNETES_SERVICE_HOST/PORT from `env`, the CA bundle and the
// token file (re-read by the client when the kubelet rotates it).
// FailedPrecondition naming what is missing when not running in a pod.
StatusOr<ClusterConfig> LoadInClusterConfig(
    const std::map<std::string, std::string>& env,
    const InClusterPaths& paths = InClusterPaths());

// Parses kubeconfig text. `context` empty: current-context. Relative file
// paths are resolved against `base_dir`. Supports certificate-authority(-data),
// client-certificate(-data)/client-key(-data), token/tokenFile,
// insecure-skip-tls-verify, tls-server-name, namespace and exec (v1/v1beta1).
// Settings it does not support (auth-provider, username/password,
// proxy-url, impersonation) are InvalidArgument naming the setting, never
// silently ignored.
StatusOr<ClusterConfig> ParseKubeconfig(const std::string& text,
                                        const std::string& context,
                                        const std::string& base_dir);

// Chooses like kubectl: `explicit_path` (--kubeconfig), else the first file
// in $KUBECONFIG, else ~/.kube/config; else in-cluster.
StatusOr<ClusterConfig> LoadConfig(const std::string& explicit_path,
                                   const std::string& context);

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_CONFIG_H_
