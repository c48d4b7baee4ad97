// X.509 certificates: PEM/DER parsing and encoding, names, fingerprints and a
// human-readable description.
#ifndef CERTSTORE_PKI_CERTIFICATE_H_
#define CERTSTORE_PKI_CERTIFICATE_H_

#include <string>
#include <vector>

#include "operator/common/clock.h"
#include "operator/common/status.h"
#include "operator/pki/openssl_ptr.h"

namespace certstore::pki {

// Parses every "CERTIFICATE" block in `pem`, in order. Other PEM blocks
// (keys, parameters) are ignored. InvalidArgument when there is no
// certificate or a block is malformed ("certificate 2 in PEM is malformed").
StatusOr<std::vector<X509Ptr>> ParseCertificatesPem(const std::string& pem);

// Parses one DER certificate. InvalidArgument if malformed or if bytes
// follow the certificate.
StatusOr<X509Ptr> ParseCertificateDer(const std::string& der);

// PEM text of `certs`, concatenated in order.
std::string EncodeCertificatesPem(const std::vector<X509*>& certs);
std::string EncodeCertificatePem(X509* cert);
std::string EncodeCertificateDer(X509* cert);

// RFC 2253 text of the subject / issuer: "CN=lab,O=Lab,C=US".
std::string NameText(const X509_NAME* name);
std::string SubjectText(X509* cert);
std::string IssuerText(X509* cert);
// The first commonName of the subject, or "".
std::string CommonName(X509* cert);

// Upper-case hex SHA-256 fingerprint with colons ("AB:CD:..."), as keytool
// prints it; and lower-case hex without separators.
std::string FingerprintSha256(X509* cert);
std::string FingerprintSha256Hex(X509* cert);

// Lower-case hex serial number.
std::string SerialHex(X509* cert);

TimePoint NotBefore(X509* cert);
TimePoint NotAfter(X509* cert);

// True if basicConstraints says CA:TRUE.
bool IsCa(X509* cert);
// True if subject == issuer and the signature verifies with its own key.
bool IsSelfSigned(X509* cert);
// True if subject == issuer and the key identifiers (when present) agree.
// The signature is not checked: for certificates whose chain was verified
// when they were loaded (CaMaterial), where a signature check per use cost a
// third of a start-up check (docs/benchmarks.md).
bool IsSelfIssued(X509* cert);
// True if `issuer` issued `subject`: names and key identifiers match and the
// signature verifies with `issuer`'s public key.
bool SignedBy(X509* subject, X509* issuer);
// True if `a` and `b` are the same certificate (same DER encoding).
bool SameCertificate(X509* a, X509* b);

// Everything `kubectl-certstore inspect` prints about a certificate.
struct CertificateInfo {
  std::string subject;
  std::string issuer;
  std::string serial_hex;
  std::string not_before;  // RFC 3339
  std::string not_after;   // RFC 3339
  std::string fingerprint_sha256;
  std::string key;  // "ECDSA P-256"; "unreadable id-ecPublicKey key" when
                    // OpenSSL cannot decode it (e.g. a point off the curve)
  bool is_ca = false;
  std::vector<std::string>
      sans;  // "DNS:a", "IP:127.0.0.1", "URI:..", "email:.."
  std::vector<std::string> extended_key_usage;  // "serverAuth", "clientAuth"
  std::vector<std::string> key_usage;           // "digitalSignature", ...
};
CertificateInfo DescribeCertificate(X509* cert);

}  // namespace certstore::pki

#endif  // CERTSTORE_PKI_CERTIFICATE_H_
