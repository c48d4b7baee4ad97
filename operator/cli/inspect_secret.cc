#include "operator/cli/inspect_secret.h"

#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "operator/api/parse.h"
#include "operator/api/types.h"
#include "operator/cli/cluster.h"
#include "operator/cli/printable.h"
#include "operator/cli/secret_password.h"
#include "operator/cli/store_report.h"
#include "operator/engine/reasons.h"
#include "operator/kube/resource.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"

namespace certstore::cli {
namespace {

// One consistency line; false for a mismatch.
bool Compare(std::ostream& os, const std::string& what, bool same,
             const std::string& detail) {
  os << (same ? "  OK        " : "  MISMATCH  ") << what;
  if (!detail.empty()) os << ": " << Printable(detail);
  os << "\n";
  return same;
}

std::string Fp(X509* c) { return pki::FingerprintSha256(c).substr(0, 23); }

std::set<std::string> FingerprintSet(const std::vector<pki::X509Ptr>& v) {
  std::set<std::string> out;
  for (const auto& c : v) out.insert(pki::FingerprintSha256(c.get()));
  return out;
}

// The checks between stores that are present; false when one fails.
bool CheckConsistency(const std::map<std::string, StoreFacts>& facts,
                      std::ostream& os) {
  bool ok = true;
  auto has = [&](const char* k) { return facts.count(k) > 0; };
  auto leaf = [&](const char* k) -> X509* {
    const auto& f = facts.at(k);
    return f.key_chain.empty() ? nullptr : f.key_chain.front().get();
  };
  os << "Consistency:\n";
  // Keystores and tls.crt name the same certificate.
  const char* ref = has(api::kTlsCrtKey)        ? api::kTlsCrtKey
                    : has(api::kKeystoreP12Key) ? api::kKeystoreP12Key
                                                : nullptr;
  for (const char* k :
       {api::kKeystoreP12Key, api::kKeystoreJksKey, api::kTlsCrtKey}) {
    if (!ref || !has(k) || std::string(k) == ref) continue;
    X509* a = leaf(ref);
    X509* b = leaf(k);
    bool same =
        a && b && pki::FingerprintSha256(a) == pki::FingerprintSha256(b);
    ok &= Compare(
        os, std::string(k) + " and " + ref + " hold the same certificate", same,
        same ? Fp(a)
             : std::string(b ? Fp(b) : "none") + " vs " + (a ? Fp(a) : "none"));
  }
  // Each key belongs to its certificate.
  for (const char* k : {api::kKeystoreP12Key, api::kKeystoreJksKey}) {
    if (!has(k) || !leaf(k) || !facts.at(k).key) continue;
    ok &=
        Compare(os, std::string(k) + ": private key matches its certificate",
                pki::KeyMatchesCertificate(facts.at(k).key.get(), leaf(k)), "");
  }
  if (has(api::kTlsKeyKey) && has(api::kTlsCrtKey) && leaf(api::kTlsCrtKey))
    ok &=
        Compare(os, "tls.key matches tls.crt",
                pki::KeyMatchesCertificate(facts.at(api::kTlsKeyKey).key.get(),
                                           leaf(api::kTlsCrtKey)),
                "");
  // Truststores and ca.crt trust the same certificates.
  if (has(api::kCaCrtKey)) {
    auto want = FingerprintSet(facts.at(api::kCaCrtKey).trusted);
    for (const char* k : {api::kTruststoreP12Key, api::kTruststoreJksKey}) {
      if (!has(k)) continue;
      auto got = FingerprintSet(facts.at(k).trusted);
      ok &= Compare(os,
                    std::string(k) + " and ca.crt trust the same certificates",
                    got == want,
                    std::to_string(got.size()) + " vs " +
                        std::to_string(want.size()) + " certificate(s)");
    }
  }
  return ok;
}

}  // namespace

int InspectSecret(const Args& args, const std::string& name,
                  const std::optional<SecretBytes>& password) {
  auto cluster = Cluster::Connect(args);
  if (!cluster.ok()) {
    std::cerr << "inspect: " << cluster.status().message() << "\n";
    return kExitUsage;
  }
  Cluster& c = **cluster;
  auto secret = GetSecret(c, name);
  if (!secret.ok()) {
    std::cerr << "inspect: " << secret.status().message() << "\n";
    return ExitCodeFor(secret.status());
  }
  std::string from = "--password";
  SecretBytes pw;
  if (password) {
    pw = password->Clone();
  } else {
    auto found = PasswordOf(c, *secret, &from);
    if (!found.ok()) {
      std::cerr << "inspect: secret " << c.ns() << "/" << name << ": "
                << found.status().message() << "\n";
      return ExitCodeFor(found.status());
    }
    pw = std::move(found).value();
    if (pw.empty()) from = "none";
  }
  std::cout << "Secret " << c.ns() << "/" << name << " (type " << secret->type
            << ")";
  std::string owner = Annotation(*secret, engine::kCertStoreAnnotation);
  if (!owner.empty())
    std::cout << ", written for CertStore " << Printable(owner);
  std::cout << "\nPassword: " << Printable(from) << "\n\n";

  int rc = kExitOk;
  std::map<std::string, StoreFacts> facts;
  for (const auto& [key, bytes] : secret->data) {
    if (key == api::kPasswordKey) continue;
    std::ostringstream os;
    StoreFacts f;
    Status st = DescribeStore(key, bytes, pw, os, &f);
    std::cout << os.str();
    if (!st.ok()) {
      std::cout << "Cannot open: " << Printable(std::string(st.message()))
                << "\n\n";
      std::cerr << "inspect: secret " << c.ns() << "/" << name << " key " << key
                << ": " << st.message() << "\n";
      rc = kExitFailed;
      continue;
    }
    std::cout << "\n";
    facts.emplace(key, std::move(f));
  }
  if (!CheckConsistency(facts, std::cout)) rc = kExitFailed;
  return rc;
}

}  // namespace certstore::cli
