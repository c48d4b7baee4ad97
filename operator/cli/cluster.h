// How the plugin reaches a cluster: kubectl's own flags and defaults
// (--kubeconfig, then $KUBECONFIG, then ~/.kube/config, then in-cluster;
// --context; -n/--namespace, then the context's namespace, then "default"),
// through operator/kube (exec credential plugins and token files included).
#ifndef CERTSTORE_CLI_CLUSTER_H_
#define CERTSTORE_CLI_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "operator/cli/args.h"
#include "operator/common/status.h"
#include "operator/kube/client.h"
#include "operator/kube/transport.h"

namespace certstore::cli {

// --kubeconfig, --context, -n/--namespace: add them to a command's flags.
std::vector<FlagSpec> WithClusterFlags(std::vector<FlagSpec> flags);

// Exit codes shared by the commands that talk to a cluster.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // the answer is "no" (a check failed)
constexpr int kExitUsage = 2;   // bad usage, or the cluster refused access

class Cluster {
 public:
  // The configuration chosen as kubectl chooses it. The message names the
  // kubeconfig or setting that is missing or unusable.
  static StatusOr<std::unique_ptr<Cluster>> Connect(const Args& args);

  kube::Client& client() { return *client_; }
  // The namespace requests go to: -n/--namespace, else the kubeconfig
  // context's, else "default" (default_ns()), until UseNamespace.
  const std::string& ns() const { return ns_; }
  const std::string& default_ns() const { return default_ns_; }
  void UseNamespace(const std::string& ns) { ns_ = ns; }

 private:
  Cluster() = default;
  kube::TransportPtr transport_;
  std::unique_ptr<kube::Client> client_;
  std::string ns_, default_ns_;
};

// InvalidArgument unless `name` is a Kubernetes object name (a DNS-1123
// subdomain: at most 253 of a-z 0-9 - ., alphanumeric at both ends): names
// go into request paths, and a name from a tenant's object must not become
// "?labelSelector=..." or "../".
Status CheckObjectName(const std::string& name);

// The exit code for a failed API call: kExitUsage for access (NotFound,
// PermissionDenied, Unavailable: the cluster or RBAC said no), else
// kExitFailed.
int ExitCodeFor(const Status& st);

}  // namespace certstore::cli

#endif  // CERTSTORE_CLI_CLUSTER_H_
