#include "operator/pki/issuer.h"

#include <arpa/inet.h>

#include <algorithm>

#include "operator/common/time_format.h"
#include "operator/pki/cert_builder.h"
#include "operator/pki/certificate.h"
#include "operator/pki/openssl_error.h"

namespace certstore::pki {
namespace {

Status AddIa5(GENERAL_NAMES* names, int type, const std::string& value) {
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_IA5STRING* s = ASN1_IA5STRING_new();
  if (gn == nullptr || s == nullptr ||
      !ASN1_STRING_set(s, value.data(), static_cast<int>(value.size()))) {
    GENERAL_NAME_free(gn);
    ASN1_IA5STRING_free(s);
    return OpenSslError("cannot build subjectAltName");
  }
  GENERAL_NAME_set0_value(gn, type, s);
  sk_GENERAL_NAME_push(names, gn);
  return OkStatus();
}

bool IsAscii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 &&
           static_cast<unsigned char>(c) < 0x7F;
  });
}

StatusOr<GeneralNamesPtr> BuildSans(const LeafSpec& spec) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  for (const auto& d : spec.dns_names) {
    if (d.empty() || !IsAscii(d) || d.size() > 253)
      return InvalidArgumentError("dnsNames entry \"" + d +
                                  "\" is not a valid DNS name");
    RETURN_IF_ERROR(AddIa5(names.get(), GEN_DNS, d));
  }
  for (const auto& ip : spec.ip_addresses) {
    unsigned char buf[16];
    int len = 0;
    if (inet_pton(AF_INET, ip.c_str(), buf) == 1)
      len = 4;
    else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1)
      len = 16;
    else
      return InvalidArgumentError("ipAddresses entry \"" + ip +
                                  "\" is not an IPv4 or IPv6 address");
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(os, buf, len);
    GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
    sk_GENERAL_NAME_push(names.get(), gn);
  }
  for (const auto& u : spec.uris) {
    size_t colon = u.find(':');
    if (!IsAscii(u) || colon == std::string::npos || colon == 0 ||
        colon + 1 == u.size())
      return InvalidArgumentError("uris entry \"" + u +
                                  "\" is not an absolute URI (scheme:rest)");
    RETURN_IF_ERROR(AddIa5(names.get(), GEN_URI, u));
  }
  for (const auto& e : spec.email_addresses) {
    size_t at = e.find('@');
    if (!IsAscii(e) || at == std::string::npos || at == 0 ||
        at + 1 == e.size() || e.find('@', at + 1) != std::string::npos)
      return InvalidArgumentError("emailAddresses entry \"" + e +
                                  "\" is not an email address");
    RETURN_IF_ERROR(AddIa5(names.get(), GEN_EMAIL, e));
  }
  return names;
}

}  // namespace

StatusOr<IssuedCertificate> IssueLeaf(const CaMaterial& ca,
                                      const LeafSpec& spec, EVP_PKEY* leaf_key,
                                      const Clock& clock) {
  if (!spec.server_auth && !spec.client_auth)
    return InvalidArgumentError(
        "usages must contain serverAuth, clientAuth or both");
  if (spec.duration.count() <= 0)
    return InvalidArgumentError("duration must be positive");
  bool has_san = !spec.dns_names.empty() || !spec.ip_addresses.empty() ||
                 !spec.uris.empty() || !spec.email_addresses.empty();
  if (spec.subject.common_name.empty() && !has_san)
    return InvalidArgumentError(
        "a certificate needs a commonName or at least one SAN");

  TimePoint now = clock.Now();
  TimePoint ca_not_after = NotAfter(ca.cert.get());
  if (now >= ca_not_after)
    return FailedPreconditionError("CA \"" + SubjectText(ca.cert.get()) +
                                   "\" expired at " +
                                   FormatRfc3339(ca_not_after));

  ASSIGN_OR_RETURN(X509NamePtr subject, internal::BuildName(spec.subject));
  ASSIGN_OR_RETURN(GeneralNamesPtr sans, BuildSans(spec));

  IssuedCertificate out;
  TimePoint not_before =
      std::max(now - kClockSkewAllowance, NotBefore(ca.cert.get()));
  TimePoint not_after = now + spec.duration;
  if (not_after > ca_not_after) {
    out.warning = "notAfter clamped to the CA's notAfter " +
                  FormatRfc3339(ca_not_after) + " (requested " +
                  FormatRfc3339(not_after) + ")";
    not_after = ca_not_after;
  }

  X509Ptr cert(X509_new());
  RETURN_IF_ERROR(internal::SetBasics(cert.get(), subject.get(),
                                      X509_get_subject_name(ca.cert.get()),
                                      leaf_key, not_before, not_after));
  RETURN_IF_ERROR(internal::AddBasicConstraints(cert.get(), false));
  uint32_t ku = KU_DIGITAL_SIGNATURE;
  if (EVP_PKEY_get_base_id(leaf_key) == EVP_PKEY_RSA) ku |= KU_KEY_ENCIPHERMENT;
  RETURN_IF_ERROR(internal::AddKeyUsage(cert.get(), ku));

  ExtendedKeyUsagePtr eku(sk_ASN1_OBJECT_new_null());
  if (spec.server_auth)
    sk_ASN1_OBJECT_push(eku.get(), OBJ_nid2obj(NID_server_auth));
  if (spec.client_auth)
    sk_ASN1_OBJECT_push(eku.get(), OBJ_nid2obj(NID_client_auth));
  if (!X509_add1_ext_i2d(cert.get(), NID_ext_key_usage, eku.get(), 0,
                         X509V3_ADD_REPLACE))
    return OpenSslError("cannot add extendedKeyUsage");
  if (sk_GENERAL_NAME_num(sans.get()) > 0 &&
      !X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, sans.get(),
                         X509_NAME_entry_count(subject.get()) == 0 ? 1 : 0,
                         X509V3_ADD_REPLACE))
    return OpenSslError("cannot add subjectAltName");
  RETURN_IF_ERROR(internal::AddKeyIdentifiers(cert.get(), ca.cert.get()));
  RETURN_IF_ERROR(internal::Sign(cert.get(), ca.key.get()));
  out.cert = std::move(cert);
  return out;
}

}  // namespace certstore::pki
