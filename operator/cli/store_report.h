// What one store file holds, written as `keytool -list -v` would show it but
// readable: entry types, aliases, chains, subjects, SANs, key usages,
// validity, fingerprints, the PKCS12 protection. Private keys are described
// (type and size), never printed. Shared by `inspect FILE` and
// `inspect secret/NAME`.
#ifndef CERTSTORE_CLI_STORE_REPORT_H_
#define CERTSTORE_CLI_STORE_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "operator/common/secret.h"
#include "operator/common/status.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::cli {

// What the consistency checks between the stores of one Secret compare.
struct StoreFacts {
  std::string kind;  // "PKCS12", "JKS", "PEM certificates", "PEM private key"
  // The first key entry's chain (leaf first), or a PEM file's certificates.
  std::vector<pki::X509Ptr> key_chain;
  // Trusted-certificate entries, or a PEM file's certificates.
  std::vector<pki::X509Ptr> trusted;
  pki::EvpPkeyPtr key;  // a key entry's or a PEM private key
};

// Describes `bytes` (PKCS12, JKS or PEM, told apart by content) under the
// heading "== <label>". InvalidArgument for anything else; the parsers'
// errors (a wrong password: "... password ...") otherwise. Never prints a
// key or the password.
Status DescribeStore(const std::string& label, const std::string& bytes,
                     const SecretBytes& password, std::ostream& os,
                     StoreFacts* facts);

}  // namespace certstore::cli

#endif  // CERTSTORE_CLI_STORE_REPORT_H_
