// yaml-cpp is used only here and in parse.cc; it throws, so every call is
// inside a try block.
#include "operator/kube/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "operator/common/base64.h"
#include "operator/common/files.h"

namespace certstore::kube {
namespace {

std::string Str(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return v && v.IsScalar() ? v.Scalar() : "";
}

// Finds the entry `name` in a kubeconfig list (clusters, users, contexts).
YAML::Node Named(const YAML::Node& list, const std::string& name,
                 const char* field) {
  if (!list || !list.IsSequence()) return YAML::Node();
  for (const auto& item : list)
    if (Str(item, "name") == name && item[field]) return item[field];
  return YAML::Node();
}

std::string Resolve(const std::string& base, const std::string& path) {
  if (path.empty() || path[0] == '/' || base.empty()) return path;
  return base + "/" + path;
}

// Reads "<field>-data" (base64) or "<field>" (a file).
StatusOr<std::string> DataOrFile(const YAML::Node& n, const std::string& field,
                                 const std::string& base) {
  std::string data = Str(n, (field + "-data").c_str());
  if (!data.empty()) {
    auto d = Base64Decode(data);
    if (!d.ok())
      return InvalidArgumentError(field + "-data is not valid base64");
    return d;
  }
  std::string file = Str(n, field.c_str());
  if (file.empty()) return std::string();
  auto f = ReadFile(Resolve(base, file));
  if (!f.ok()) return f.status().WithContext(field);
  return f;
}

StatusOr<ClusterConfig> Parse(const YAML::Node& root, const std::string& wanted,
                              const std::string& base) {
  std::string ctx_name = wanted.empty() ? Str(root, "current-context") : wanted;
  if (ctx_name.empty())
    return InvalidArgumentError(
        "kubeconfig has no current-context; pass --context");
  YAML::Node ctx = Named(root["contexts"], ctx_name, "context");
  if (!ctx.IsMap())
    return InvalidArgumentError("kubeconfig: context \"" + ctx_name +
                                "\" not found");
  std::string cluster_name = Str(ctx, "cluster"), user_name = Str(ctx, "user");
  YAML::Node cluster = Named(root["clusters"], cluster_name, "cluster");
  if (!cluster.IsMap())
    return InvalidArgumentError("kubeconfig: cluster \"" + cluster_name +
                                "\" not found");
  YAML::Node user = Named(root["users"], user_name, "user");

  ClusterConfig c;
  c.server = Str(cluster, "server");
  if (c.server.rfind("https://", 0) != 0 && c.server.rfind("http://", 0) != 0)
    return InvalidArgumentError("kubeconfig: cluster \"" + cluster_name +
                                "\" server \"" + c.server +
                                "\" is not an http(s) URL");
  while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
  ASSIGN_OR_RETURN(c.ca_pem,
                   DataOrFile(cluster, "certificate-authority", base));
  c.insecure_skip_tls_verify =
      Str(cluster, "insecure-skip-tls-verify") == "true";
  c.tls_server_name = Str(cluster, "tls-server-name");
  if (cluster["proxy-url"])
    return InvalidArgumentError("kubeconfig: cluster \"" + cluster_name +
                                "\": proxy-url is not supported");
  c.namespace_ = Str(ctx, "namespace");
  if (c.namespace_.empty()) c.namespace_ = "default";

  if (user.IsMap()) {
    for (const char* unsupported :
         {"auth-provider", "username", "password", "as", "as-groups", "as-uid"})
      if (user[unsupported])
        return InvalidArgumentError("kubeconfig: user \"" + user_name +
                                    "\": " + unsupported + " is not supported");
    ASSIGN_OR_RETURN(c.client_cert_pem,
                     DataOrFile(user, "client-certificate", base));
    ASSIGN_OR_RETURN(std::string key, DataOrFile(user, "client-key", base));
    c.client_key_pem = SecretBytes(std::move(key));
    if (c.client_cert_pem.empty() != c.client_key_pem.empty())
      return InvalidArgumentError(
          "kubeconfig: user \"" + user_name +
          "\" needs both client-certificate and client-key");
    c.token = SecretBytes(Str(user, "token"));
    c.token_file = Resolve(base, Str(user, "tokenFile"));
    if (user["exec"]) {
      YAML::Node e = user["exec"];
      ExecConfig ex;
      ex.api_version = Str(e, "apiVersion");
      ex.command = Str(e, "command");
      if (ex.api_version != "client.authentication.k8s.io/v1" &&
          ex.api_version != "client.authentication.k8s.io/v1beta1")
        return InvalidArgumentError(
            "kubeconfig: exec apiVersion \"" + ex.api_version +
            "\" is not supported (use client.authentication.k8s.io/v1)");
      if (ex.command.empty())
        return InvalidArgumentError("kubeconfig: exec.command is empty");
      if (e["args"])
        for (const auto& a : e["args"]) ex.args.push_back(a.Scalar());
      if (e["env"])
        for (const auto& v : e["env"]) ex.env[Str(v, "name")] = Str(v, "value");
      c.exec = std::move(ex);
    }
  }
  return c;
}

}  // namespace

StatusOr<ClusterConfig> LoadInClusterConfig(
    const std::map<std::string, std::string>& env,
    const InClusterPaths& paths) {
  auto host = env.find("KUBERNETES_SERVICE_HOST");
  auto port = env.find("KUBERNETES_SERVICE_PORT");
  if (host == env.end() || port == env.end() || host->second.empty())
    return FailedPreconditionError(
        "not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set "
        "(pass --kubeconfig or set KUBECONFIG)");
  ClusterConfig c;
  std::string h = host->second;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  c.server = "https://" + h + ":" + port->second;
  auto ca = ReadFile(paths.ca);
  if (!ca.ok()) return ca.status().WithContext("in-cluster CA bundle");
  c.ca_pem = *ca;
  if (!PathExists(paths.token))
    return FailedPreconditionError("in-cluster token " + paths.token +
                                   " not found");
  c.token_file = paths.token;
  auto ns = ReadFile(paths.ns);
  c.namespace_ = ns.ok() ? *ns : "default";
  while (!c.namespace_.empty() &&
         std::isspace(static_cast<unsigned char>(c.namespace_.back())))
    c.namespace_.pop_back();
  return c;
}

StatusOr<ClusterConfig> ParseKubeconfig(const std::string& text,
                                        const std::string& context,
                                        const std::string& base_dir) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap())
      return InvalidArgumentError("kubeconfig is not a YAML map");
    return Parse(root, context, base_dir);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("kubeconfig is not valid YAML: " + e.msg);
  }
}

StatusOr<ClusterConfig> LoadConfig(const std::string& explicit_path,
                                   const std::string& context) {
  std::string path = explicit_path;
  if (path.empty()) {
    const char* kc = std::getenv("KUBECONFIG");
    if (kc != nullptr && *kc != '\0') {
      path = kc;
      size_t colon = path.find(':');
      if (colon != std::string::npos) path = path.substr(0, colon);
    }
  }
  if (path.empty()) {
    const char* home = std::getenv("HOME");
    if (home != nullptr && PathExists(std::string(home) + "/.kube/config"))
      path = std::string(home) + "/.kube/config";
  }
  if (path.empty()) {
    std::map<std::string, std::string> env;
    for (const char* k : {"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"})
      if (const char* v = std::getenv(k)) env[k] = v;
    return LoadInClusterConfig(env);
  }
  auto text = ReadFile(path);
  if (!text.ok()) return text.status().WithContext("kubeconfig");
  std::string base = path.find('/') == std::string::npos
                         ? "."
                         : path.substr(0, path.rfind('/'));
  auto cfg = ParseKubeconfig(*text, context, base);
  if (!cfg.ok()) return cfg.status().WithContext(path);
  return cfg;
}

}  // namespace certstore::kube
