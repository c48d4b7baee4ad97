#include "operator/cli/cluster.h"

#include "operator/cli/printable.h"
#include "operator/kube/config.h"

namespace certstore::cli {

std::vector<FlagSpec> WithClusterFlags(std::vector<FlagSpec> flags) {
  flags.push_back({"kubeconfig"});
  flags.push_back({"context"});
  flags.push_back({"namespace", 'n'});
  return flags;
}

StatusOr<std::unique_ptr<Cluster>> Cluster::Connect(const Args& args) {
  ASSIGN_OR_RETURN(
      kube::ClusterConfig config,
      kube::LoadConfig(args.Get("kubeconfig"), args.Get("context")));
  std::unique_ptr<Cluster> c(new Cluster());
  c->ns_ = args.Get("namespace",
                    config.namespace_.empty() ? "default" : config.namespace_);
  RETURN_IF_ERROR(CheckObjectName(c->ns_));
  c->default_ns_ = c->ns_;
  config.user_agent = "kubectl-certstore";
  ASSIGN_OR_RETURN(c->transport_, kube::NewHttpTransport(std::move(config)));
  kube::ClientOptions options;
  options.timeout = std::chrono::seconds(20);
  c->client_ = std::make_unique<kube::Client>(*c->transport_, options);
  return c;
}

Status CheckObjectName(const std::string& name) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  bool ok = !name.empty() && name.size() <= 253 && alnum(name.front()) &&
            alnum(name.back());
  for (char c : name) ok = ok && (alnum(c) || c == '-' || c == '.');
  if (ok) return OkStatus();
  return InvalidArgumentError(
      "\"" + Printable(name.substr(0, 64)) +
      "\" is not a Kubernetes object name (a-z 0-9 - ., at most 253)");
}

int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case StatusCode::kNotFound:
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    default:
      return kExitFailed;
  }
}

}  // namespace certstore::cli
