// `kubectl-certstore render`: the operator's engine without a cluster.
//
// Everything is computed in memory first; files are written only when every
// CertStore rendered, so a failure leaves the output and state untouched.
#include "operator/engine/render.h"

#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "operator/api/defaults.h"
#include "operator/api/emit.h"
#include "operator/api/parse.h"
#include "operator/api/validate.h"
#include "operator/cli/args.h"
#include "operator/cli/commands.h"
#include "operator/common/files.h"
#include "operator/common/time_format.h"
#include "operator/engine/issuer_ca.h"
#include "operator/engine/issuer_policy.h"

namespace certstore::cli {
namespace {
namespace fs = std::filesystem;
using api::Document;

struct Loaded {
  std::vector<api::CertStore> certstores;
  // Where each CertStore came from, "FILE: document N (CertStore/name)", so
  // that errors found while rendering point into the input like parse
  // errors do.
  std::vector<std::string> origins;
  std::map<std::string, api::Issuer> issuers;  // "Kind/ns/name"
  engine::MapObjectSource objects;
  // Namespaces given in the input (their labels, for policies'
  // namespaceSelector); others have only kubernetes.io/metadata.name, the
  // label the API server sets on every namespace.
  std::map<std::string, std::map<std::string, std::string>> namespace_labels;
  std::set<std::string> seen;  // "Kind/ns/name": each object once
};

// The labels of namespace `ns` as a cluster would have them.
std::map<std::string, std::string> NamespaceLabels(const Loaded& in,
                                                   const std::string& ns) {
  auto it = in.namespace_labels.find(ns);
  std::map<std::string, std::string> labels =
      it != in.namespace_labels.end() ? it->second
                                      : std::map<std::string, std::string>{};
  labels["kubernetes.io/metadata.name"] = ns;
  return labels;
}

std::string IssuerKey(api::IssuerKind kind, const std::string& ns,
                      const std::string& name) {
  return std::string(api::IssuerKindName(kind)) + "/" +
         (kind == api::IssuerKind::kClusterCertIssuer ? "" : ns) + "/" + name;
}

// A DNS-1123 label, as namespace names are (they become directory names).
bool IsNamespaceName(const std::string& s) {
  return !s.empty() && s.size() <= 63 && api::IsDnsSubdomain(s) &&
         s.find('.') == std::string::npos;
}

// Names that become paths (state files, --layout files) must be what the API
// server would accept: never "..", "/" or empty.
std::string CheckObjectNames(const api::ObjectMeta& m) {
  if (!api::IsDnsSubdomain(m.name))
    return "metadata.name: must be a DNS-1123 subdomain, got \"" + m.name +
           "\"";
  if (!IsNamespaceName(m.namespace_))
    return "metadata.namespace: must be a DNS-1123 label, got \"" +
           m.namespace_ + "\"";
  return "";
}

// Reads, defaults and validates every input document; collects all errors.
// `tenant` files (--tenant-file) are not trusted: they may hold only
// CertStores, Secrets and ConfigMaps of namespace `ns`, and may not replace
// anything a trusted file declared.
Status LoadInputs(const std::vector<std::string>& files, const std::string& ns,
                  bool tenant, Loaded* out) {
  std::string errors;
  for (const auto& file : files) {
    auto text = ReadFile(file);
    if (!text.ok()) {
      errors += "\n  " + text.status().message();
      continue;
    }
    auto docs = api::ParseDocuments(*text);
    if (!docs.ok()) {
      errors += "\n  " + file + ": " + docs.status().message();
      continue;
    }
    for (auto& doc : *docs) {
      std::string where = file + ": document " + std::to_string(doc.index);
      if (tenant && !std::holds_alternative<api::CertStore>(doc.object) &&
          !std::holds_alternative<api::SecretObject>(doc.object) &&
          !std::holds_alternative<api::ConfigMapObject>(doc.object)) {
        errors += "\n  " + where + ": kind " + doc.kind +
                  " is not allowed in a --tenant-file (only CertStore, Secret, "
                  "ConfigMap; "
                  "issuers, Namespaces and CAs come from trusted -f files)";
        continue;
      }
      api::ObjectMeta* meta =
          std::visit([](auto& o) { return &o.metadata; }, doc.object);
      bool cluster_scoped =
          std::holds_alternative<api::NamespaceObject>(doc.object);
      if (auto* is = std::get_if<api::Issuer>(&doc.object))
        cluster_scoped = is->kind == api::IssuerKind::kClusterCertIssuer;
      if (!cluster_scoped && meta->namespace_.empty()) meta->namespace_ = ns;
      if (tenant && meta->namespace_ != ns) {
        errors += "\n  " + where + ": namespace \"" + meta->namespace_ +
                  "\": a --tenant-file renders into -n " + ns + " only";
        continue;
      }
      api::ObjectMeta checked = *meta;
      if (cluster_scoped) checked.namespace_ = "cluster";
      std::string bad_name = CheckObjectNames(checked);
      if (!bad_name.empty()) {
        errors += "\n  " + where + " (" + doc.kind + "): " + bad_name;
        continue;
      }
      if (!out->seen
               .insert(doc.kind + "/" + meta->namespace_ + "/" + meta->name)
               .second) {
        errors += "\n  " + where + ": " + doc.kind + " " +
                  (meta->namespace_.empty() ? "" : meta->namespace_ + "/") +
                  meta->name + " is declared twice in the input";
        continue;
      }
      if (auto* cs = std::get_if<api::CertStore>(&doc.object)) {
        where += " (CertStore/" + cs->metadata.name + ")";
        api::ApplyDefaults(cs);
        api::FieldErrors fe = api::Validate(*cs);
        if (!fe.empty()) {
          errors += "\n  " + where + ": " + fe.ToStatus().message();
          continue;
        }
        out->certstores.push_back(std::move(*cs));
        out->origins.push_back(where);
      } else if (auto* is = std::get_if<api::Issuer>(&doc.object)) {
        where += std::string(" (") + api::IssuerKindName(is->kind) + "/" +
                 is->metadata.name + ")";
        api::ApplyDefaults(is);
        api::FieldErrors fe = api::Validate(*is);
        if (!fe.empty()) {
          errors += "\n  " + where + ": " + fe.ToStatus().message();
          continue;
        }
        out->issuers[IssuerKey(is->kind, is->metadata.namespace_,
                               is->metadata.name)] = std::move(*is);
      } else if (auto* s = std::get_if<api::SecretObject>(&doc.object)) {
        out->objects.PutSecret(std::move(*s));
      } else if (auto* c = std::get_if<api::ConfigMapObject>(&doc.object)) {
        out->objects.PutConfigMap(std::move(*c));
      } else if (auto* n = std::get_if<api::NamespaceObject>(&doc.object)) {
        out->namespace_labels[n->metadata.name] = n->metadata.labels;
      }
    }
  }
  if (!errors.empty()) return InvalidArgumentError("invalid input:" + errors);
  return OkStatus();
}

// The Secret name a ClusterCertIssuer in the input keeps its CA in, or "".
std::string ClusterCaSecret(const api::Issuer& is) {
  if (is.kind != api::IssuerKind::kClusterCertIssuer) return "";
  return api::IssuerSecretName(is.spec);
}

// Why `cs` (or its CertIssuer `issuer`) would use a ClusterCertIssuer's CA
// Secret in `cluster_ns` outside that issuer's policy; "" when it does not.
std::string ClusterCaUse(const Loaded& in, const std::string& cluster_ns,
                         const api::CertStore& cs, const api::Issuer& issuer) {
  std::vector<std::pair<std::string, std::string>> uses;  // what, "ns/name"
  if (issuer.kind == api::IssuerKind::kCertIssuer) {
    const std::string& secret = api::IssuerSecretName(issuer.spec);
    uses.push_back({"CertIssuer " + issuer.metadata.name,
                    issuer.metadata.namespace_ + "/" + secret});
  }
  const std::string& ns = cs.metadata.namespace_;
  if (cs.spec.password)
    uses.push_back(
        {"spec.password.secretKeyRef", ns + "/" + cs.spec.password->name});
  if (cs.spec.truststore)
    for (const auto& src : cs.spec.truststore->sources)
      if (src.type == api::TrustSource::Type::kSecret)
        uses.push_back({"spec.truststore.sources secret", ns + "/" + src.name});
  for (const auto& [id, other] : in.issuers) {
    std::string ca = ClusterCaSecret(other);
    if (ca.empty()) continue;
    for (const auto& [what, ref] : uses)
      if (ref == cluster_ns + "/" + ca)
        return what + " names Secret " + ref +
               ", the CA of ClusterCertIssuer " + other.metadata.name +
               "; only that issuer may use it";
  }
  // A root an earlier run created for a ClusterCertIssuer (state directory)
  // stays its own even when that issuer is not in this run's input.
  for (const auto& [what, ref] : uses) {
    size_t slash = ref.find('/');
    auto secret =
        in.objects.GetSecret(ref.substr(0, slash), ref.substr(slash + 1));
    if (!secret) continue;
    auto owner = secret->metadata.annotations.find(engine::kIssuerAnnotation);
    if (owner != secret->metadata.annotations.end() &&
        owner->second.rfind("ClusterCertIssuer/", 0) == 0)
      return what + " names Secret " + ref + ", the CA of " + owner->second +
             "; only that issuer may use it";
  }
  return "";
}

// Secrets written by earlier runs: <state>/<namespace>/<name>.yaml.
Status LoadState(const std::string& state, engine::MapObjectSource* objects,
                 std::map<std::string, api::SecretObject>* written) {
  std::error_code ec;
  if (!fs::exists(state, ec)) return OkStatus();
  for (auto& nsdir : fs::directory_iterator(state, ec)) {
    if (!nsdir.is_directory()) continue;
    for (auto& f : fs::directory_iterator(nsdir.path(), ec)) {
      if (f.path().extension() != ".yaml") continue;
      auto text = ReadFile(f.path().string());
      if (!text.ok()) return text.status();
      auto s = api::ParseSecret(*text);
      if (!s.ok())
        return s.status().WithContext("state file " + f.path().string());
      (*written)[s->metadata.namespace_ + "/" + s->metadata.name] = *s;
      objects->PutSecret(std::move(s).value());
    }
  }
  return OkStatus();
}

// --ca-cert/--ca-key: CA files for every `ca` issuer whose Secret is not in
// the input, as if that Secret held them.
Status AddCaFiles(const std::string& cert, const std::string& key,
                  const std::string& cluster_ns, Loaded* in) {
  if (cert.empty() != key.empty())
    return InvalidArgumentError("--ca-cert and --ca-key go together");
  if (cert.empty()) return OkStatus();
  auto crt = ReadFile(cert);
  if (!crt.ok()) return crt.status().WithContext("--ca-cert");
  auto k = ReadFile(key);
  if (!k.ok()) return k.status().WithContext("--ca-key");
  int used = 0;
  for (const auto& [id, issuer] : in->issuers) {
    // Only a ClusterCertIssuer, whose policy then applies: handing a
    // platform CA to a CertIssuer in the input would sign without one.
    if (!issuer.spec.ca || issuer.kind != api::IssuerKind::kClusterCertIssuer)
      continue;
    const std::string& ns = cluster_ns;
    if (in->objects.GetSecret(ns, issuer.spec.ca->secret_name)) continue;
    api::SecretObject s;
    s.metadata.name = issuer.spec.ca->secret_name;
    s.metadata.namespace_ = ns;
    s.type = "kubernetes.io/tls";
    s.data[api::kTlsCrtKey] = *crt;
    s.data[api::kTlsKeyKey] = *k;
    in->objects.PutSecret(std::move(s));
    ++used;
  }
  if (used == 0)
    return InvalidArgumentError(
        "--ca-cert/--ca-key given but no `ca` ClusterCertIssuer "
        "in the input needs them (a CertIssuer's CA goes in the "
        "input as a Secret)");
  return OkStatus();
}

std::map<std::string, std::string> FileLayout(const api::CertStore& cs,
                                              const api::SecretObject& s) {
  static const std::map<std::string, std::string> kSuffix = {
      {api::kKeystoreP12Key, ".p12"}, {api::kTruststoreP12Key, "-trust.p12"},
      {api::kKeystoreJksKey, ".jks"}, {api::kTruststoreJksKey, "-trust.jks"},
      {api::kTlsCrtKey, ".crt"},      {api::kTlsKeyKey, ".key"},
      {api::kCaCrtKey, "-ca.crt"},    {api::kPasswordKey, ".password"}};
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : s.data) {
    auto it = kSuffix.find(k);
    out[cs.metadata.name + (it == kSuffix.end() ? "." + k : it->second)] = v;
  }
  return out;
}

void Report(const api::CertStore& cs, const engine::RenderResult& r) {
  std::cerr << "CertStore " << cs.metadata.namespace_ << "/" << cs.metadata.name
            << ": ";
  if (cs.spec.keystore) {
    std::cerr << (r.decision.issue ? "issued (" + r.decision.reason + ")"
                                   : std::string("certificate kept"))
              << ", serial " << r.summary.serial_hex << ", notAfter "
              << FormatRfc3339(*r.summary.not_after) << ", renews "
              << FormatRfc3339(*r.summary.renewal_time);
  } else {
    std::cerr << "truststore with " << r.summary.truststore_certificates
              << " certificate(s)";
  }
  std::cerr << (r.reencoded ? "; stores written (" + r.reencode_reason + ")"
                            : "; stores unchanged")
            << "\n";
  if (!r.summary.warning.empty())
    std::cerr << "  warning: " << r.summary.warning << "\n";
}

}  // namespace

int RunRender(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {{"filename", 'f'},
                               {"tenant-file"},
                               {"out"},
                               {"output", 'o'},
                               {"state"},
                               {"layout"},
                               {"namespace", 'n'},
                               {"cluster-resource-namespace"},
                               {"system-bundle"},
                               {"ca-cert"},
                               {"ca-key"}});
  if (!args.ok()) {
    std::cerr << "render: " << args.status().message() << "\n";
    return 2;
  }
  std::string out_dir = args->Get("out");
  std::string output = args->Get("output");
  std::string layout = args->Get("layout", "secrets");
  if (args->All("filename").empty() ||
      (out_dir.empty() == (output != "yaml")) ||
      (output != "" && output != "yaml") ||
      (layout != "secrets" && layout != "files")) {
    std::cerr << "render: need -f FILE and exactly one of --out DIR or -o yaml "
                 "(--layout secrets|files)\n";
    return 2;
  }
  std::string ns = args->Get("namespace", "default");
  std::string cluster_ns = args->Get("cluster-resource-namespace", ns);
  std::string state =
      args->Get("state", out_dir.empty() ? "" : out_dir + "/.certstore-state");
  const Clock& clock = SystemClock::Get();

  Loaded in;
  Status st = LoadInputs(args->All("filename"), ns, /*tenant=*/false, &in);
  std::set<std::string> trusted;
  if (st.ok()) {
    trusted = in.seen;
    st = LoadInputs(args->All("tenant-file"), ns, /*tenant=*/true, &in);
  }
  // A tenant may not supply a ClusterCertIssuer's CA either.
  for (const auto& [id, issuer] : in.issuers) {
    std::string ca = ClusterCaSecret(issuer);
    std::string key = "Secret/" + cluster_ns + "/" + ca;
    if (st.ok() && !ca.empty() && in.seen.count(key) && !trusted.count(key))
      st = InvalidArgumentError(
          "invalid input: a --tenant-file declares Secret " + cluster_ns + "/" +
          ca + ", which is the CA of ClusterCertIssuer " +
          issuer.metadata.name);
  }
  if (st.ok() && in.certstores.empty())
    st = InvalidArgumentError("no CertStore found in the input");
  std::map<std::string, api::SecretObject> state_secrets;
  if (st.ok() && !state.empty())
    st = LoadState(state, &in.objects, &state_secrets);
  if (st.ok())
    st = AddCaFiles(args->Get("ca-cert"), args->Get("ca-key"), cluster_ns, &in);
  if (!st.ok()) {
    std::cerr << "render: " << st.message() << "\n";
    return 1;
  }

  // Render everything in memory.
  std::map<std::string, api::SecretObject> to_state;  // "ns/name"
  std::vector<std::pair<const api::CertStore*, api::SecretObject>> outputs;
  std::string errors;
  for (size_t i = 0; i < in.certstores.size(); ++i) {
    const api::CertStore& cs = in.certstores[i];
    const std::string& where = in.origins[i];
    const auto& ref = cs.spec.issuer_ref;
    auto it =
        in.issuers.find(IssuerKey(ref.kind, cs.metadata.namespace_, ref.name));
    if (it == in.issuers.end()) {
      errors += "\n  " + where +
                ": spec.issuerRef: " + api::IssuerKindName(ref.kind) + " " +
                ref.name + " is not in the input";
      continue;
    }
    const api::Issuer& issuer = it->second;
    std::string ca_ns = issuer.kind == api::IssuerKind::kClusterCertIssuer
                            ? cluster_ns
                            : issuer.metadata.namespace_;
    // A ClusterCertIssuer's CA Secret is for it alone (as in the operator).
    std::string guarded = ClusterCaUse(in, cluster_ns, cs, issuer);
    if (!guarded.empty()) {
      errors +=
          "\n  " + where + ": " + engine::kReasonPolicyDenied + ": " + guarded;
      continue;
    }
    engine::CaResolveOptions create;
    create.allow_create = true;  // offline: the state directory keeps roots
    auto ca = engine::ResolveIssuerCa(issuer, ca_ns, in.objects, clock, create);
    if (!ca.ok()) {
      errors += "\n  " + where + ": issuer " + issuer.metadata.name + ": " +
                ca.status().message();
      if (ca.status().code() == StatusCode::kNotFound)
        errors += " (put the Secret in the input, or pass --ca-cert/--ca-key)";
      continue;
    }
    if (ca->created_secret) {
      const auto& s = *ca->created_secret;
      std::cerr << api::IssuerKindName(issuer.kind) << " "
                << issuer.metadata.name << ": created root CA in Secret "
                << ca_ns << "/" << s.metadata.name << "\n";
      to_state[ca_ns + "/" + s.metadata.name] = s;
      in.objects.PutSecret(s);
    }
    // The issuer's policy, as the operator applies it (one engine).
    const std::map<std::string, std::string> labels =
        NamespaceLabels(in, cs.metadata.namespace_);
    engine::PolicyVerdict verdict =
        engine::CheckNamespace(issuer, cs.metadata.namespace_, &labels);
    if (verdict.allowed) verdict = engine::CheckCertStore(issuer, cs);
    if (!verdict.allowed) {
      errors += "\n  " + where + ": " + engine::kReasonPolicyDenied + ": " +
                verdict.message;
      continue;
    }
    engine::RenderOptions opts;
    opts.system_bundle_path = args->Get("system-bundle");
    opts.authorize = [&issuer](EVP_PKEY* key) {
      return engine::CheckKey(issuer, key);
    };
    auto r = engine::RenderCertStore(cs, ca->ca, in.objects, clock, opts);
    if (!r.ok()) {
      errors += "\n  " + where + ": " + r.status().message();
      continue;
    }
    Report(cs, *r);
    for (auto& s : r->secrets) {
      std::string key = s.metadata.namespace_ + "/" + s.metadata.name;
      to_state[key] = s;
      in.objects.PutSecret(s);
      outputs.emplace_back(&cs, std::move(s));
    }
  }
  if (!errors.empty()) {
    std::cerr << "render: nothing written; errors:" << errors << "\n";
    return 1;
  }

  if (output == "yaml") {
    bool first = true;
    for (const auto& [cs, s] : outputs) {
      std::cout << (first ? "" : "---\n") << api::SecretManifest(s);
      first = false;
    }
  } else {
    // Check for collisions before writing anything.
    std::map<std::string, std::map<std::string, std::string>> dirs;
    for (const auto& [cs, s] : outputs) {
      if (layout == "files") {
        for (auto& [f, v] : FileLayout(*cs, s)) dirs[out_dir][f] = v;
      } else {
        std::string d = out_dir + "/" + s.metadata.name;
        if (dirs.count(d)) {
          std::cerr << "render: two Secrets named " << s.metadata.name
                    << " in different namespaces; render them separately\n";
          return 1;
        }
        dirs[d] = s.data;
      }
    }
    for (const auto& [dir, files] : dirs) {
      if (layout == "files") {
        for (const auto& [f, v] : files) {
          Status w = WriteFileAtomic(dir + "/" + f, v, 0600);
          if (!w.ok()) {
            std::cerr << "render: " << w.message() << "\n";
            return 1;
          }
        }
        continue;
      }
      Status w = ReplaceDirectory(dir, files, 0600);
      if (!w.ok()) {
        std::cerr << "render: " << w.message() << "\n";
        return 1;
      }
    }
    std::cerr << "wrote " << outputs.size() << " Secret(s) under " << out_dir
              << "\n";
  }
  if (!state.empty()) {
    for (const auto& [key, s] : to_state) {
      Status w = WriteFileAtomic(
          state + "/" + s.metadata.namespace_ + "/" + s.metadata.name + ".yaml",
          api::SecretManifest(s), 0600);
      if (!w.ok()) {
        std::cerr << "render: state: " << w.message() << "\n";
        return 1;
      }
    }
    // The state holds CA and leaf keys: only its owner may list or enter it.
    std::error_code ec;
    if (fs::exists(state, ec)) {
      fs::permissions(state, fs::perms::owner_all, fs::perm_options::replace,
                      ec);
      for (const auto& d : fs::directory_iterator(state, ec))
        if (d.is_directory())
          fs::permissions(d.path(), fs::perms::owner_all,
                          fs::perm_options::replace, ec);
    }
  }
  return 0;
}

}  // namespace certstore::cli
