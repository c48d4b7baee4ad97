#include "operator/pki/verify.h"

#include <arpa/inet.h>

#include "operator/common/time_format.h"
#include "operator/pki/certificate.h"
#include "operator/pki/openssl_error.h"

namespace certstore::pki {
namespace {

bool IsIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string Quote(X509* c) {
  return c ? "\"" + SubjectText(c) + "\"" : "the certificate";
}

Status Explain(int err, X509* failing, const VerifyOptions& options,
               bool have_anchors) {
  switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return FailedPreconditionError(
          "PKIX path building failed: unable to find valid certification path "
          "to requested target: the issuer \"" +
          (failing ? IssuerText(failing) : std::string("?")) + "\" of " +
          Quote(failing) +
          (have_anchors
               ? " is not in the truststore, and the chain sent with the "
                 "certificate does not lead to a certificate that is "
                 "(untrusted CA, or incomplete chain: an intermediate is "
                 "missing)"
               : " cannot be checked: the truststore is empty"));
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return FailedPreconditionError("certificate expired: " + Quote(failing) +
                                     " was valid until " +
                                     FormatRfc3339(NotAfter(failing)) +
                                     " (Java: CertificateExpiredException)");
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return FailedPreconditionError(
          "certificate not yet valid: " + Quote(failing) + " is valid from " +
          FormatRfc3339(NotBefore(failing)) +
          " (Java: CertificateNotYetValidException)");
    case X509_V_ERR_INVALID_PURPOSE: {
      const char* eku =
          options.purpose == Purpose::kTlsClient ? "clientAuth" : "serverAuth";
      const char* java = options.purpose == Purpose::kTlsClient
                             ? "TLS client authentication"
                             : "TLS server authentication";
      return FailedPreconditionError(
          Quote(failing) + " lacks extended key usage " + eku +
          " (Java: Extended key usage does not permit use for " + java + ")");
    }
    case X509_V_ERR_HOSTNAME_MISMATCH:
      return FailedPreconditionError(
          "No subject alternative DNS name matching " + options.host +
          " found in " + Quote(failing));
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return FailedPreconditionError(
          "No subject alternative names matching IP address " + options.host +
          " found in " + Quote(failing));
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return FailedPreconditionError("signature verification failed for " +
                                     Quote(failing));
    default:
      return FailedPreconditionError(
          std::string("certificate verification failed for ") + Quote(failing) +
          ": " + X509_verify_cert_error_string(err));
  }
}

}  // namespace

Status VerifyChain(X509* leaf, const std::vector<X509*>& intermediates,
                   const std::vector<X509*>& trust_anchors,
                   const VerifyOptions& options, const Clock& clock) {
  ClearOpenSslErrors();
  X509StorePtr store(X509_STORE_new());
  for (X509* a : trust_anchors) X509_STORE_add_cert(store.get(), a);
  X509StackPtr untrusted(sk_X509_new_null());
  for (X509* i : intermediates) {
    X509_up_ref(i);
    sk_X509_push(untrusted.get(), i);
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()))
    return OpenSslError("cannot set up verification");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param,
                             std::chrono::system_clock::to_time_t(clock.Now()));
  if (options.purpose == Purpose::kTlsServer)
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  else if (options.purpose == Purpose::kTlsClient)
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_CLIENT);
  if (!options.host.empty()) {
    if (IsIpAddress(options.host))
      X509_VERIFY_PARAM_set1_ip_asc(param, options.host.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, options.host.c_str(), 0);
  }
  int rc = X509_verify_cert(ctx.get());
  if (rc == 1) {
    ClearOpenSslErrors();
    return OkStatus();
  }
  int err = X509_STORE_CTX_get_error(ctx.get());
  X509* failing = X509_STORE_CTX_get_current_cert(ctx.get());
  if (failing == nullptr) failing = leaf;
  ClearOpenSslErrors();
  return Explain(err, failing, options, !trust_anchors.empty());
}

}  // namespace certstore::pki
