// The C++ model of the certstore.dev/v1alpha1 API: CertStore, CertIssuer and
// ClusterCertIssuer, plus the core objects (Secret, ConfigMap) that render
// and the operator read. Plain data: parsing lives in parse.h, defaults in
// defaults.h, validation in validate.h, change detection in hash.h.
#ifndef CERTSTORE_API_TYPES_H_
#define CERTSTORE_API_TYPES_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "operator/common/secret.h"

namespace certstore::api {

constexpr char kGroup[] = "certstore.dev";
constexpr char kVersion[] = "v1alpha1";
constexpr char kApiVersion[] = "certstore.dev/v1alpha1";
constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
constexpr char kManagedByValue[] = "certstore-operator";

// Default Secret keys (DESIGN.md "Fixed names").
constexpr char kKeystoreP12Key[] = "keystore.p12";
constexpr char kTruststoreP12Key[] = "truststore.p12";
constexpr char kKeystoreJksKey[] = "keystore.jks";
constexpr char kTruststoreJksKey[] = "truststore.jks";
constexpr char kTlsCrtKey[] = "tls.crt";
constexpr char kTlsKeyKey[] = "tls.key";
constexpr char kCaCrtKey[] = "ca.crt";
constexpr char kPasswordKey[] = "password";
// spec.additionalFormats: CombinedPEM and DER.
constexpr char kTlsCombinedPemKey[] = "tls-combined.pem";
constexpr char kTlsDerKey[] = "tls.der";
constexpr char kKeyDerKey[] = "key.der";
// spec.export: the ConfigMap's keys (tls.cer is binaryData).
constexpr char kTlsCerKey[] = "tls.cer";

// Secret types the operator writes (spec.secretType).
constexpr char kSecretTypeOpaque[] = "Opaque";
constexpr char kSecretTypeTls[] = "kubernetes.io/tls";

// metadata.ownerReferences[]: who owns an object. Ownership is decided by
// the controller reference's UID, never by a label (DESIGN.md "Tenancy").
struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<OwnerReference> owner_references;
};

// The controller owner reference of `m`, or nullptr when it has none.
const OwnerReference* ControllerOf(const ObjectMeta& m);

enum class IssuerKind { kCertIssuer, kClusterCertIssuer };
const char* IssuerKindName(IssuerKind k);

struct IssuerRef {
  IssuerKind kind = IssuerKind::kCertIssuer;
  std::string name;
};

struct Subject {
  std::vector<std::string> organizations;
  std::vector<std::string> organizational_units;
  std::vector<std::string> countries;
  std::vector<std::string> localities;
  std::vector<std::string> provinces;
};

struct PrivateKey {
  std::string algorithm;        // "RSA" | "ECDSA" | "Ed25519"; default ECDSA
  std::optional<int> size;      // defaulted per algorithm
  std::string rotation_policy;  // "Always" | "Never"; default Always
};

struct KeystoreSpec {
  std::string alias;  // default "certificate"
  std::string common_name;
  Subject subject;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::vector<std::string> uris;
  std::vector<std::string> email_addresses;
  std::vector<std::string> usages;  // "serverAuth", "clientAuth"
  bool usages_set = false;          // given, even as []: not defaulted
  PrivateKey private_key;
  std::string duration;  // Go duration text; default "2160h"
  std::optional<std::string> renew_before;
  std::optional<int> renew_before_percentage;
};

struct TrustSource {
  enum class Type {
    kIssuer,
    kSecret,
    kConfigMap,
    kInline,
    kSystemDefaults,
    kTrustBundle  // a TrustBundle's certificates (cluster-scoped, public)
  };
  Type type = Type::kIssuer;
  std::string name;        // Secret / ConfigMap / TrustBundle name
  std::string key;         // Secret / ConfigMap key; default "ca.crt"
  std::string inline_pem;  // kInline
  std::string ns;          // optional; must be the CertStore's own namespace
};
const char* TrustSourceTypeName(TrustSource::Type t);

struct SecretKeyRef {
  std::string name;
  std::string key;  // default "password"
  std::string ns;   // optional; must be the CertStore's own namespace
};

// spec.truststore.password: the separate truststore Secret's own password.
// Unset: generated, under `password` in that Secret (never the keystore's).
struct TruststorePassword {
  std::optional<SecretKeyRef> secret_key_ref;
  std::optional<std::string> value;  // a literal, e.g. Java's "changeit"
};

struct TruststoreSpec {
  std::string secret_name;           // optional: a separate Secret
  std::vector<TrustSource> sources;  // default: [{issuer: {}}]
  bool sources_set = false;          // false when omitted (for defaulting)
  std::optional<TruststorePassword> password;  // only with secret_name
};

// spec.secretTemplate: labels and annotations copied onto every object the
// operator writes for a CertStore (ours win on conflict).
struct ObjectTemplate {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// spec.export: the public certificate, for partners, in a ConfigMap.
struct ExportSpec {
  std::string config_map_name;
  bool include_root = false;  // ca.crt: the issuer's root as well
};

// spec.renewal.windows[]: when renewals that are not urgent may happen.
// Times are UTC. A window opens at `start` on each of `days` (every day when
// empty) and stays open for `duration` (it may run past midnight).
struct RenewalWindow {
  std::string start;              // "HH:MM"
  std::string duration;           // Go duration, 1m to 24h
  std::vector<std::string> days;  // "Mon" ... "Sun"
};

// spec.renewal: maintenance windows for renewals (engine/renewal_window.h).
struct RenewalSpec {
  std::vector<RenewalWindow> windows;
  // A due renewal stops waiting for a window this long before notAfter.
  // Absent: halfway between the renewal time and notAfter.
  std::optional<std::string> urgent_before;
};

struct CertStoreSpec {
  IssuerRef issuer_ref;
  std::string secret_name;
  std::optional<KeystoreSpec> keystore;
  std::optional<TruststoreSpec> truststore;
  std::vector<std::string> formats;  // "PKCS12", "JKS", "PEM"
  bool formats_set = false;          // given, even as []: not defaulted
  std::string pkcs12_profile;        // "Modern2023" | "LegacyDES"
  std::optional<SecretKeyRef> password;
  // "Opaque" | "kubernetes.io/tls"; defaulted to kubernetes.io/tls when the
  // main Secret holds tls.crt and tls.key (a keystore with PEM), else Opaque.
  std::string secret_type;
  std::optional<ObjectTemplate> secret_template;
  std::vector<std::string> additional_formats;  // "CombinedPEM", "DER"
  std::optional<ExportSpec> export_spec;        // spec.export
  std::optional<RenewalSpec> renewal;           // spec.renewal
};

struct CertStore {
  ObjectMeta metadata;
  CertStoreSpec spec;
};

struct CaIssuerSpec {
  std::string secret_name;
};

// The CA certificate an issuer makes itself and keeps in its Secret: a
// selfSigned root, or an intermediate signed by another issuer.
struct CaCertificateSpec {
  std::string secret_name;
  std::string common_name;
  Subject subject;
  PrivateKey private_key;  // rotation_policy unused
  std::string duration;    // default "87600h" (root) / "8760h" (intermediate)
  // How long before notAfter the operator replaces the CA with a new one
  // (new key, same subject) and rotates to it. Absent: one third of the
  // CA's lifetime (engine::CaRenewalTime).
  std::optional<std::string> renew_before;
};

struct SelfSignedIssuerSpec : CaCertificateSpec {};

// spec.intermediate: a CA issued by another issuer (its parent). From a
// ClusterCertIssuer only where its policy allows intermediates for the
// namespace; then with pathLen 0 and name constraints derived from that
// policy (engine/intermediate_policy.h).
struct IntermediateIssuerSpec : CaCertificateSpec {
  IssuerRef issuer_ref;
  // pathLenConstraint: how many CAs may follow this one (default 0: it
  // signs leaves only). Ignored (always 0) under a ClusterCertIssuer.
  std::optional<int> path_length;
};

// A standard Kubernetes label selector (metav1.LabelSelector).
struct LabelSelectorRequirement {
  std::string key;
  std::string op;  // "In" | "NotIn" | "Exists" | "DoesNotExist"
  std::vector<std::string> values;
};
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
};

// spec.policy.subject: one allow-list per subject attribute other than CN.
// An omitted (or empty) list means the attribute must be empty.
struct SubjectPolicy {
  std::vector<std::string> organizations;
  std::vector<std::string> organizational_units;
  std::vector<std::string> countries;
  std::vector<std::string> localities;
  std::vector<std::string> provinces;
};

// spec.policy.privateKey: which keys the issuer certifies.
struct PrivateKeyPolicy {
  std::vector<std::string> algorithms;  // empty: RSA, ECDSA and Ed25519
  std::optional<int> min_rsa_size;      // default 2048
  std::optional<int> min_ecdsa_size;    // default 256
};

// spec.policy: who may use an issuer and for which identities
// (DESIGN.md "Tenancy"; the matching rules are in engine/issuer_policy.h).
// Identity lists (dnsNames ... subject) are allow-lists: omitted or empty
// allows nothing. Constraints (maxDuration, usages, privateKey) omitted
// constrain nothing beyond the CertStore's own validation.
struct IssuerPolicy {
  // ClusterCertIssuer only: the namespaces whose CertStores may use it.
  // Absent: none (deny); `{}`: every namespace.
  std::optional<LabelSelector> namespace_selector;
  std::vector<std::string> dns_names;           // patterns
  std::vector<std::string> wildcard_dns_names;  // "*.<pattern>" allowances
  std::vector<std::string> ip_addresses;        // CIDRs
  std::vector<std::string> uris;                // patterns
  std::vector<std::string> email_addresses;     // patterns
  std::vector<std::string> common_names;        // patterns
  SubjectPolicy subject;
  std::optional<std::string> max_duration;  // Go duration
  std::vector<std::string> usages;          // empty: both
  PrivateKeyPolicy private_key;
  bool allow_intermediates = false;  // CA:TRUE certificates
};

struct IssuerSpec {
  std::optional<CaIssuerSpec> ca;
  std::optional<SelfSignedIssuerSpec> self_signed;
  std::optional<IntermediateIssuerSpec> intermediate;
  std::optional<IssuerPolicy> policy;
};

// The Secret holding an issuer's CA ("" for none).
const std::string& IssuerSecretName(const IssuerSpec& spec);

// A CertIssuer (namespaced) or a ClusterCertIssuer (cluster-scoped).
struct Issuer {
  IssuerKind kind = IssuerKind::kCertIssuer;
  ObjectMeta metadata;
  IssuerSpec spec;
};

// ---- TrustBundle (cluster-scoped) -------------------------------------------
// Certificates an administrator chose, distributed to selected namespaces.

// One entry of spec.sources. Secrets and ConfigMaps are read from the
// cluster resource namespace; `issuer` names a ClusterCertIssuer.
struct BundleSource {
  enum class Type { kIssuer, kSecret, kConfigMap, kInline, kSystemDefaults };
  Type type = Type::kInline;
  std::string name;        // ClusterCertIssuer / Secret / ConfigMap name
  std::string key;         // Secret / ConfigMap key; default "ca.crt"
  bool all_keys = false;   // configMap: every key of the ConfigMap
  std::string inline_pem;  // kInline
};
const char* BundleSourceTypeName(BundleSource::Type t);

// spec.filter: what is left out (and reported in status).
struct BundleFilter {
  bool drop_expired = false;  // notAfter in the past
  bool drop_non_ca = false;   // no basicConstraints CA:TRUE
};

struct BundleConfigMapTarget {
  std::string name;
  std::string key;  // default "ca.crt"
};

// A Secret holding the bundle as Java truststores.
struct BundleSecretTarget {
  std::string name;
  std::vector<std::string> formats;  // "PKCS12", "JKS"; default [PKCS12]
  // "Changeit" (Java's cacerts convention) or "Generated" (one per
  // namespace, kept across rewrites). Required: a choice, not a default.
  std::string password_policy;
};

struct BundleTarget {
  // Absent: no namespace (deny by default); `{}`: every namespace.
  std::optional<LabelSelector> namespace_selector;
  std::optional<BundleConfigMapTarget> config_map;
  std::optional<BundleSecretTarget> secret;
};

struct TrustBundleSpec {
  std::vector<BundleSource> sources;
  BundleFilter filter;
  std::optional<BundleTarget> target;
};

struct TrustBundle {
  ObjectMeta metadata;
  TrustBundleSpec spec;
};

// A core/v1 Secret or ConfigMap, data already base64-decoded.
// Its data holds keys and passwords: wiped when the object goes away.
struct SecretObject {
  ObjectMeta metadata;
  std::string type;  // Secret type, e.g. "kubernetes.io/tls"
  std::map<std::string, std::string> data;
  bool immutable = false;

  SecretObject() = default;
  SecretObject(const SecretObject&) = default;
  SecretObject(SecretObject&&) = default;
  SecretObject& operator=(const SecretObject&) = default;
  SecretObject& operator=(SecretObject&&) = default;
  ~SecretObject() {
    for (auto& [key, value] : data) SecureWipe(value.data(), value.size());
  }
};
struct ConfigMapObject {
  ObjectMeta metadata;
  std::map<std::string, std::string> data;
};
// A core/v1 Namespace: only what a policy's namespaceSelector reads.
struct NamespaceObject {
  ObjectMeta metadata;
};

}  // namespace certstore::api

#endif  // CERTSTORE_API_TYPES_H_
