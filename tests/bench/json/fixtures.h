// Deterministic inputs shaped like what kube-apiserver sends the operator,
// with the typed values a correct decoder must produce from them.
#ifndef CERTSTORE_TESTS_BENCH_JSON_FIXTURES_H_
#define CERTSTORE_TESTS_BENCH_JSON_FIXTURES_H_

#include <string>

#include "tests/bench/json/model.h"

namespace jsonbench {

struct Fixtures {
  // GET /api/v1/secrets?labelSelector=...&limit=500: a SecretList page of
  // 500 Secrets like the operator's (metadata, one controller
  // ownerReference, a managedFields entry, 6 data keys with base64 values:
  // keystore.p12 3.5 KB, truststore.jks 1.5 KB, tls.crt 1.2 KB, tls.key
  // 300 B, ca.crt 1 KB, password 32 B before base64), compact, keys in the
  // order Go's encoding/json writes them.
  std::string page;
  SecretListPage page_truth;  // digests filled in

  // Watch lines (without the trailing newline): a MODIFIED CertStore
  // (applied with kubectl, so it carries last-applied-configuration; keys
  // sorted as for any custom resource) and a MODIFIED Secret.
  std::string certstore_event;
  WatchEvent<CertStoreObject> certstore_truth;
  std::string secret_event;
  WatchEvent<SecretSummary> secret_truth;  // digests filled in

  // What the writers serialize.
  SecretToWrite secret_to_write;
  StatusPatch status_patch;
};

// Built on first use; the same bytes on every run.
const Fixtures& GetFixtures();

// A string with quotes, backslashes, control characters, "</script>&",
// and non-ASCII UTF-8 (2, 3 and 4 byte sequences): what every writer must
// escape and every parser must give back unchanged.
const std::string& NastyString();

// Standard base64 of `raw`, with padding.
std::string Base64(const std::string& raw);

}  // namespace jsonbench

#endif  // CERTSTORE_TESTS_BENCH_JSON_FIXTURES_H_
