// The typed objects the JSON benchmark decodes into and encodes from: the
// subset of a Secret and a CertStore the operator reads and writes. Every
// library under test fills the same structs, so results compare with ==.
#ifndef CERTSTORE_TESTS_BENCH_JSON_MODEL_H_
#define CERTSTORE_TESTS_BENCH_JSON_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace jsonbench {

struct OwnerReference {
  std::string api_version, kind, name, uid;
  bool controller = false;
  bool block_owner_deletion = false;
  bool operator==(const OwnerReference& o) const;
};

struct ObjectMeta {
  std::string name, ns, uid, resource_version, creation_timestamp;
  int64_t generation = 0;
  std::map<std::string, std::string> labels, annotations;
  std::vector<OwnerReference> owners;
  bool operator==(const ObjectMeta& o) const;
};

// One key of a Secret's data: the length of its base64 value and, when the
// decoder was asked for digests, the SHA-256 (hex) of that base64 text.
struct DataEntry {
  std::string key;
  size_t size = 0;
  std::string sha256;
  bool operator==(const DataEntry& o) const;
};

struct SecretSummary {
  ObjectMeta meta;
  std::string type;
  std::vector<DataEntry> data;  // in document order
  bool operator==(const SecretSummary& o) const;
};

struct SecretListPage {
  std::string resource_version, continue_token;
  int64_t remaining_item_count = 0;
  std::vector<SecretSummary> items;
  bool operator==(const SecretListPage& o) const;
};

struct Condition {
  std::string type, status, reason, message, last_transition_time;
  int64_t observed_generation = 0;
  bool operator==(const Condition& o) const;
};

struct CertStoreSpec {
  std::string secret_name, issuer_kind, issuer_name;
  std::string alias, common_name, duration, renew_before;
  std::vector<std::string> dns_names, ip_addresses, usages, organizations;
  std::string key_algorithm;
  int64_t key_size = 0;
  std::vector<std::string> formats;
  std::string pkcs12_profile;
  std::vector<std::string> trust_source_kinds;  // "issuer", "secret", ...
  bool operator==(const CertStoreSpec& o) const;
};

struct CertStoreStatus {
  int64_t observed_generation = 0;
  std::vector<Condition> conditions;
  std::string not_before, not_after, renewal_time, serial_number,
      fingerprint_sha256;
  int64_t revision = 0;
  int64_t truststore_certificates = 0;
  std::string truststore_earliest_not_after;
  std::vector<std::string> truststore_issuer_cas;
  std::vector<std::string> null_fields;  // keys present with value null
  bool operator==(const CertStoreStatus& o) const;
};

struct CertStoreObject {
  ObjectMeta meta;
  CertStoreSpec spec;
  CertStoreStatus status;
  bool operator==(const CertStoreObject& o) const;
};

template <typename T>
struct WatchEvent {
  std::string type;
  T object;
  bool operator==(const WatchEvent& o) const {
    return type == o.type && object == o.object;
  }
};

// What the operator writes: a Secret (create/update body) and a status
// merge patch. Data values are already base64.
struct SecretToWrite {
  std::string name, ns, resource_version;  // resource_version may be empty
  std::map<std::string, std::string> labels, annotations;
  OwnerReference owner;
  std::string type;
  std::map<std::string, std::string> data;
};

struct StatusPatch {
  std::string resource_version;  // precondition, in metadata
  CertStoreStatus status;        // null_fields are written as null
};

// SHA-256 of [data, data + size) as 64 lower-case hex digits (OpenSSL EVP,
// the digest fetched once).
std::string Sha256Hex(const char* data, size_t size);

// What a decoder of `s` must return (digests included when `digest`).
SecretSummary ExpectedSummary(const SecretToWrite& s, bool digest);

// What a decoder of the patch (read as a CertStore) must return.
CertStoreObject ExpectedPatchObject(const StatusPatch& p);

// A one-line description of the first difference, or "" when equal.
std::string Diff(const SecretListPage& want, const SecretListPage& got);
std::string Diff(const SecretSummary& want, const SecretSummary& got);
std::string Diff(const CertStoreObject& want, const CertStoreObject& got);

}  // namespace jsonbench

#endif  // CERTSTORE_TESTS_BENCH_JSON_MODEL_H_
