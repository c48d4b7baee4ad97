// Encoding the store files of a Secret, and checking stored files against
// what they should hold (drift detection).
#ifndef CERTSTORE_ENGINE_STORE_FILES_H_
#define CERTSTORE_ENGINE_STORE_FILES_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "operator/common/clock.h"
#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/pki/openssl_ptr.h"
#include "operator/pki/pkcs12.h"

namespace certstore::engine {

// Everything the files of a CertStore are made from.
struct DesiredStores {
  std::string alias;
  pki::EvpPkeyPtr key;               // unset for truststore-only
  pki::X509Ptr leaf;                 // unset for truststore-only
  std::vector<pki::X509Ptr> chain;   // intermediates, nearest first
  pki::X509Ptr root;                 // the issuer's root
  std::vector<pki::X509Ptr> trust;   // distinct trust anchors
  std::set<std::string> main_keys;   // data keys of the main Secret
  std::set<std::string> trust_keys;  // data keys of the truststore Secret
};

// Encodes the data keys in `keys` of the main Secret (`is_main`) or of the
// separate truststore Secret: keystore.p12 / keystore.jks (leaf,
// intermediates, root), truststore.p12 / truststore.jks, tls.crt (leaf +
// intermediates), tls.key (PKCS#8), ca.crt (the trust bundle in the Secret
// that carries the truststore, else the issuer's root), password.
StatusOr<std::map<std::string, std::string>> EncodeStores(
    const DesiredStores& d, const std::set<std::string>& keys,
    const SecretBytes& password, pki::Pkcs12Profile profile, TimePoint now,
    bool is_main);

// Returns "" when `data` has exactly the keys in `keys` and every file holds
// what `d` says (stores open with `password`, hold the right key, leaf,
// alias and trust anchors). Otherwise a short reason naming the first
// problem ("keystore.p12 was modified", "tls.key missing"). Never includes
// secret material.
std::string CheckStores(const std::map<std::string, std::string>& data,
                        const std::set<std::string>& keys,
                        const DesiredStores& d, const SecretBytes& password,
                        bool is_main);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_STORE_FILES_H_
