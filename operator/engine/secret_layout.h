// Which files each of a CertStore's Secrets holds, and the metadata every
// Secret the operator writes for it carries.
#ifndef CERTSTORE_ENGINE_SECRET_LAYOUT_H_
#define CERTSTORE_ENGINE_SECRET_LAYOUT_H_

#include <set>
#include <string>

#include "operator/api/types.h"

namespace certstore::engine {

struct SecretLayout {
  std::set<std::string> main_keys;   // data keys of spec.secretName
  std::set<std::string> trust_keys;  // of spec.truststore.secretName, if set
};

// REQUIRES: cs defaulted and validated. The keystore files per format
// (keystore.p12, keystore.jks, tls.crt + tls.key + ca.crt), the truststore
// files (truststore.p12, truststore.jks, ca.crt) in the main Secret or in the
// separate truststore Secret, and the generated `password` key in each
// Secret with a password-protected store when spec.password is unset.
SecretLayout LayoutFor(const api::CertStore& cs);

// True for every data key the operator may write into a CertStore's Secret
// (the default keys of DESIGN.md, password, and additionalFormats' files),
// whichever formats a CertStore asks for. We own exactly these: any other
// key is the user's and survives repairs and renewals; one of these that
// the CertStore does not ask for is removed.
bool IsOperatorKey(const std::string& key);

// The value of the kCertStoreLabel label for a CertStore named `name`, or ""
// when the name is longer than a label value may be (the kCertStoreAnnotation
// annotation always carries it).
std::string CertStoreLabelValue(const std::string& name);

// True when the CertStore writes its truststore to a Secret of its own.
bool HasSeparateTruststore(const api::CertStore& cs);

// The metadata of every object written for cs, named `name` in its
// namespace: spec.secretTemplate's labels and annotations, then (winning)
// the managed-by label, the certstore label and annotation and the issuer
// annotation.
api::ObjectMeta ManagedMetadata(const api::CertStore& cs,
                                const std::string& name);

// An empty Opaque Secret `name` in cs's namespace with the labels and
// annotations every Secret written for cs carries: spec.secretTemplate's,
// then (winning over the template) the managed-by label, the certstore label
// and annotation and the issuer annotation.
api::SecretObject NewManagedSecret(const api::CertStore& cs,
                                   const std::string& name);

// The main Secret (spec.secretName) without data: NewManagedSecret of type
// spec.secretType plus the annotations that say what its stores were made for
// (identity hash, render hash, `revision`, the password reference, and the
// renewal request its certificate answers unless "").
api::SecretObject MainSecretShell(const api::CertStore& cs, int64_t revision,
                                  const std::string& renew_request);
// The separate truststore Secret without data (Opaque; with the password
// reference of spec.truststore.password.secretKeyRef, if any).
// REQUIRES: HasSeparateTruststore(cs).
api::SecretObject TrustSecretShell(const api::CertStore& cs);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_SECRET_LAYOUT_H_
