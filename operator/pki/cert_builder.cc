#include "operator/pki/cert_builder.h"

#include <openssl/rand.h>

#include "operator/pki/openssl_error.h"

namespace certstore::pki::internal {
namespace {

Status AddEntries(X509_NAME* name, int nid, const char* field,
                  const std::vector<std::string>& values) {
  for (const auto& v : values) {
    if (v.empty())
      return InvalidArgumentError(std::string("subject.") + field +
                                  " has an empty value");
    if (v.size() > 64)
      return InvalidArgumentError(std::string("subject.") + field +
                                  " value \"" + v +
                                  "\" is longer than 64 characters");
    if (!X509_NAME_add_entry_by_NID(
            name, nid, MBSTRING_UTF8,
            reinterpret_cast<const unsigned char*>(v.data()),
            static_cast<int>(v.size()), -1, 0))
      return OpenSslError(std::string("cannot set subject.") + field,
                          StatusCode::kInvalidArgument);
  }
  return OkStatus();
}

bool SetTime(ASN1_TIME* field, TimePoint t) {
  return ASN1_TIME_set(field, std::chrono::system_clock::to_time_t(t)) !=
         nullptr;
}

}  // namespace

StatusOr<X509NamePtr> BuildName(const DistinguishedName& dn) {
  X509NamePtr name(X509_NAME_new());
  for (const auto& c : dn.countries) {
    if (c.size() != 2 || !std::isupper(static_cast<unsigned char>(c[0])) ||
        !std::isupper(static_cast<unsigned char>(c[1])))
      return InvalidArgumentError("subject.countries value \"" + c +
                                  "\" is not a two-letter country code");
  }
  // Order from most general to most specific, as openssl and keytool print.
  RETURN_IF_ERROR(
      AddEntries(name.get(), NID_countryName, "countries", dn.countries));
  RETURN_IF_ERROR(AddEntries(name.get(), NID_stateOrProvinceName, "provinces",
                             dn.provinces));
  RETURN_IF_ERROR(
      AddEntries(name.get(), NID_localityName, "localities", dn.localities));
  RETURN_IF_ERROR(AddEntries(name.get(), NID_organizationName, "organizations",
                             dn.organizations));
  RETURN_IF_ERROR(AddEntries(name.get(), NID_organizationalUnitName,
                             "organizationalUnits", dn.organizational_units));
  if (!dn.common_name.empty()) {
    if (dn.common_name.size() > 64)
      return InvalidArgumentError("commonName \"" + dn.common_name +
                                  "\" is longer than 64 characters");
    RETURN_IF_ERROR(
        AddEntries(name.get(), NID_commonName, "commonName", {dn.common_name}));
  }
  return name;
}

StatusOr<Asn1IntegerPtr> RandomSerial() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    return OpenSslError("random serial number");
  bytes[0] &= 0x7F;  // positive
  bytes[0] |= 0x40;  // and always 127 bits long, never 0
  BignumPtr bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) return OpenSslError("serial number");
  return serial;
}

Status SetBasics(X509* cert, const X509_NAME* subject, const X509_NAME* issuer,
                 EVP_PKEY* pubkey, TimePoint not_before, TimePoint not_after) {
  ASSIGN_OR_RETURN(Asn1IntegerPtr serial, RandomSerial());
  if (!X509_set_version(cert, X509_VERSION_3) ||
      !X509_set_serialNumber(cert, serial.get()) ||
      !X509_set_subject_name(cert, subject) ||
      !X509_set_issuer_name(cert, issuer) || !X509_set_pubkey(cert, pubkey) ||
      !SetTime(X509_getm_notBefore(cert), not_before) ||
      !SetTime(X509_getm_notAfter(cert), not_after))
    return OpenSslError("cannot build certificate");
  return OkStatus();
}

Status AddBasicConstraints(X509* cert, bool ca, int path_len) {
  BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  bc->ca = ca ? 0xFF : 0;
  if (ca && path_len >= 0) {
    bc->pathlen = ASN1_INTEGER_new();
    if (bc->pathlen == nullptr || !ASN1_INTEGER_set(bc->pathlen, path_len))
      return OpenSslError("cannot build basicConstraints pathLen");
  }
  if (!X509_add1_ext_i2d(cert, NID_basic_constraints, bc.get(), 1,
                         X509V3_ADD_REPLACE))
    return OpenSslError("cannot add basicConstraints");
  return OkStatus();
}

Status AddKeyUsage(X509* cert, uint32_t bits) {
  Asn1BitStringPtr ku(ASN1_BIT_STRING_new());
  // KU_* flags are the DER bit positions mirrored within each byte.
  struct {
    uint32_t flag;
    int bit;
  } map[] = {{KU_DIGITAL_SIGNATURE, 0}, {KU_NON_REPUDIATION, 1},
             {KU_KEY_ENCIPHERMENT, 2},  {KU_DATA_ENCIPHERMENT, 3},
             {KU_KEY_AGREEMENT, 4},     {KU_KEY_CERT_SIGN, 5},
             {KU_CRL_SIGN, 6}};
  for (const auto& m : map)
    if ((bits & m.flag) && !ASN1_BIT_STRING_set_bit(ku.get(), m.bit, 1))
      return OpenSslError("cannot build keyUsage");
  if (!X509_add1_ext_i2d(cert, NID_key_usage, ku.get(), 1, X509V3_ADD_REPLACE))
    return OpenSslError("cannot add keyUsage");
  return OkStatus();
}

Status AddKeyIdentifiers(X509* cert, X509* issuer) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ski =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_key_identifier, "hash");
  if (ski == nullptr)
    return OpenSslError("cannot compute subjectKeyIdentifier");
  int ok = X509_add_ext(cert, ski, -1);
  X509_EXTENSION_free(ski);
  if (!ok) return OpenSslError("cannot add subjectKeyIdentifier");
  X509_EXTENSION* aki = X509V3_EXT_conf_nid(
      nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
  if (aki == nullptr)
    return OpenSslError("cannot compute authorityKeyIdentifier");
  ok = X509_add_ext(cert, aki, -1);
  X509_EXTENSION_free(aki);
  if (!ok) return OpenSslError("cannot add authorityKeyIdentifier");
  return OkStatus();
}

Status Sign(X509* cert, EVP_PKEY* signing_key) {
  const EVP_MD* md = EVP_sha256();
  int id = EVP_PKEY_get_base_id(signing_key);
  if (id == EVP_PKEY_ED25519)
    md = nullptr;
  else if (id == EVP_PKEY_EC && EVP_PKEY_get_bits(signing_key) > 256)
    md = EVP_sha384();
  if (X509_sign(cert, signing_key, md) <= 0)
    return OpenSslError("cannot sign certificate");
  return OkStatus();
}

}  // namespace certstore::pki::internal
