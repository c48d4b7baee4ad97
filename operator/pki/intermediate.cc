#include "operator/pki/intermediate.h"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>

#include "operator/pki/cert_builder.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"
#include "operator/pki/openssl_error.h"

namespace certstore::pki {
namespace {

using NameConstraintsPtr =
    std::unique_ptr<NAME_CONSTRAINTS,
                    OpenSslDeleter<NAME_CONSTRAINTS, NAME_CONSTRAINTS_free>>;

bool PrintableAscii(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 &&
           static_cast<unsigned char>(c) < 0x7F;
  });
}

void Push(STACK_OF(GENERAL_SUBTREE) * *subtrees, GENERAL_NAME* name) {
  if (*subtrees == nullptr) *subtrees = sk_GENERAL_SUBTREE_new_null();
  GENERAL_SUBTREE* st = GENERAL_SUBTREE_new();
  GENERAL_NAME_free(st->base);
  st->base = name;
  sk_GENERAL_SUBTREE_push(*subtrees, st);
}

StatusOr<GENERAL_NAME*> Ia5Name(int type, const std::string& value,
                                const char* form) {
  if (!PrintableAscii(value) || value.front() == '.' || value.back() == '.' ||
      value.find_first_of("/@:") != std::string::npos)
    return InvalidArgumentError(std::string(form) + " name constraint \"" +
                                value + "\" is not a host name");
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_IA5STRING* s = ASN1_IA5STRING_new();
  ASN1_STRING_set(s, value.data(), static_cast<int>(value.size()));
  GENERAL_NAME_set0_value(gn, type, s);
  return gn;
}

// "10.1.0.0/16" -> address bytes then mask bytes (8 or 32 bytes).
StatusOr<GENERAL_NAME*> IpRange(const std::string& cidr) {
  size_t slash = cidr.find('/');
  std::string addr = cidr.substr(0, slash);
  unsigned char buf[32] = {};
  int len = 0;
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1)
    len = 4;
  else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1)
    len = 16;
  int bits = -1;
  if (slash != std::string::npos && slash + 1 < cidr.size() &&
      cidr.size() - slash <= 4 &&
      std::all_of(cidr.begin() + slash + 1, cidr.end(),
                  [](char c) { return c >= '0' && c <= '9'; }))
    bits = std::stoi(cidr.substr(slash + 1));
  if (len == 0 || bits < 0 || bits > len * 8)
    return InvalidArgumentError("IP name constraint \"" + cidr +
                                "\" is not an address/prefix range");
  for (int i = 0; i < len; ++i) {
    int b = std::clamp(bits - 8 * i, 0, 8);
    unsigned char mask = static_cast<unsigned char>(0xFF00 >> b);
    buf[len + i] = mask;
    buf[i] &= mask;
  }
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(os, buf, 2 * len);
  GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
  return gn;
}

StatusOr<NameConstraintsPtr> Build(const NameConstraints& in) {
  NameConstraintsPtr nc(NAME_CONSTRAINTS_new());
  struct Form {
    int type;
    const std::vector<std::string>* values;
    const char* what;
  } forms[] = {{GEN_DNS, &in.dns, "DNS"},
               {GEN_EMAIL, &in.email_hosts, "email"},
               {GEN_URI, &in.uri_hosts, "URI"}};
  for (const Form& f : forms) {
    std::vector<std::string> values = *f.values;
    if (values.empty()) values.push_back(kClosedSubtree);
    for (const auto& v : values) {
      ASSIGN_OR_RETURN(GENERAL_NAME * gn, Ia5Name(f.type, v, f.what));
      Push(&nc->permittedSubtrees, gn);
    }
  }
  if (in.ip_ranges.empty()) {
    for (const char* all : {"0.0.0.0/0", "::/0"}) {
      ASSIGN_OR_RETURN(GENERAL_NAME * gn, IpRange(all));
      Push(&nc->excludedSubtrees, gn);
    }
  }
  for (const auto& r : in.ip_ranges) {
    ASSIGN_OR_RETURN(GENERAL_NAME * gn, IpRange(r));
    Push(&nc->permittedSubtrees, gn);
  }
  return nc;
}

}  // namespace

StatusOr<std::string> EncodeNameConstraints(const NameConstraints& in) {
  ASSIGN_OR_RETURN(NameConstraintsPtr nc, Build(in));
  unsigned char* der = nullptr;
  int len = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(nc.get()), &der,
                          ASN1_ITEM_rptr(NAME_CONSTRAINTS));
  if (len <= 0) return OpenSslError("cannot encode nameConstraints");
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  return out;
}

std::string NameConstraintsDer(X509* c) {
  int at = X509_get_ext_by_NID(c, NID_name_constraints, -1);
  if (at < 0) return "";
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(c, at));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     ASN1_STRING_length(data));
}

int PathLenConstraint(X509* c) {
  if (!IsCa(c)) return -1;
  long v = X509_get_pathlen(c);
  return v < 0 ? -1 : static_cast<int>(v);
}

StatusOr<CaMaterial> IssueIntermediateCa(const CaMaterial& parent,
                                         const IntermediateSpec& spec,
                                         EVP_PKEY* key, const Clock& clock) {
  if (spec.subject.common_name.empty())
    return InvalidArgumentError("an intermediate CA needs a commonName");
  if (spec.duration.count() <= 0)
    return InvalidArgumentError("CA duration must be positive");
  if (spec.path_len && *spec.path_len < 0)
    return InvalidArgumentError("pathLen must not be negative");
  TimePoint now = clock.Now();
  TimePoint parent_not_after = NotAfter(parent.cert.get());
  if (now >= parent_not_after)
    return FailedPreconditionError("CA \"" + SubjectText(parent.cert.get()) +
                                   "\" has expired");
  if (PathLenConstraint(parent.cert.get()) == 0)
    return FailedPreconditionError(
        "CA \"" + SubjectText(parent.cert.get()) +
        "\" has pathLen 0: it may sign no further CA");
  ASSIGN_OR_RETURN(X509NamePtr subject, internal::BuildName(spec.subject));
  // A chain of two equal names confuses every path builder (and any peer
  // that matches issuers by name).
  if (X509_NAME_cmp(subject.get(), X509_get_subject_name(parent.cert.get())) ==
      0)
    return InvalidArgumentError("the intermediate's subject \"" +
                                NameText(subject.get()) +
                                "\" equals its parent's");
  X509Ptr cert(X509_new());
  TimePoint not_before =
      std::max(now - kClockSkewAllowance, NotBefore(parent.cert.get()));
  TimePoint not_after = std::min(now + spec.duration, parent_not_after);
  RETURN_IF_ERROR(internal::SetBasics(cert.get(), subject.get(),
                                      X509_get_subject_name(parent.cert.get()),
                                      key, not_before, not_after));
  RETURN_IF_ERROR(internal::AddBasicConstraints(cert.get(), true,
                                                spec.path_len.value_or(-1)));
  // No digitalSignature: TLS peers (OpenSSL, JSSE) then refuse the
  // intermediate itself as a server or client certificate, so its own
  // subject (outside every name constraint) never serves as an identity.
  RETURN_IF_ERROR(
      internal::AddKeyUsage(cert.get(), KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  if (spec.name_constraints) {
    ASSIGN_OR_RETURN(NameConstraintsPtr nc, Build(*spec.name_constraints));
    if (!X509_add1_ext_i2d(cert.get(), NID_name_constraints, nc.get(), 1,
                           X509V3_ADD_REPLACE))
      return OpenSslError("cannot add nameConstraints");
  }
  RETURN_IF_ERROR(internal::AddKeyIdentifiers(cert.get(), parent.cert.get()));
  RETURN_IF_ERROR(internal::Sign(cert.get(), parent.key.get()));
  CaMaterial out;
  out.cert = std::move(cert);
  out.key = ShareKey(key);
  out.chain.push_back(ShareCert(parent.cert.get()));
  for (const auto& c : parent.chain) out.chain.push_back(ShareCert(c.get()));
  return out;
}

}  // namespace certstore::pki
