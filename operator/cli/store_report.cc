#include "operator/cli/store_report.h"

#include "operator/cli/printable.h"
#include "operator/pki/certificate.h"
#include "operator/pki/jks.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"

namespace certstore::cli {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "-" : out;
}

void PrintCert(std::ostream& os, X509* c, const std::string& indent) {
  pki::CertificateInfo i = pki::DescribeCertificate(c);
  os << indent << "Subject:     " << Printable(i.subject) << "\n"
     << indent << "Issuer:      " << Printable(i.issuer) << "\n"
     << indent << "Serial:      " << i.serial_hex << "\n"
     << indent << "Valid:       " << i.not_before << " until " << i.not_after
     << "\n"
     << indent << "Key:         " << i.key << (i.is_ca ? " (CA)" : "") << "\n"
     << indent << "SANs:        " << Printable(Join(i.sans)) << "\n"
     << indent << "Key usage:   " << Join(i.key_usage) << "\n"
     << indent << "Ext. usage:  " << Join(i.extended_key_usage) << "\n"
     << indent << "SHA-256:     " << i.fingerprint_sha256 << "\n";
}

void PrintStore(std::ostream& os, const pki::StoreContents& c) {
  os << "Type: " << c.format << "\nProtection: " << c.protection
     << "\nEntries: " << c.entries.size() << "\n";
  int n = 0;
  for (const auto& e : c.entries) {
    os << "\nEntry " << ++n << ": alias \"" << Printable(e.alias) << "\", "
       << pki::EntryTypeName(e.type) << "\n";
    if (e.key)
      os << "  Private key: " << pki::KeyDescription(e.key.get()) << "\n";
    if (e.type == pki::EntryType::kPrivateKey)
      os << "  Certificate chain length: " << e.chain.size() << "\n";
    for (size_t i = 0; i < e.chain.size(); ++i) {
      if (e.chain.size() > 1) os << "  Certificate[" << i + 1 << "]:\n";
      PrintCert(os, e.chain[i].get(), "    ");
    }
  }
}

void FactsOf(pki::StoreContents& c, StoreFacts* f) {
  f->kind = c.format;
  for (auto& e : c.entries) {
    if (e.type == pki::EntryType::kPrivateKey && !f->key) {
      f->key = std::move(e.key);
      f->key_chain = std::move(e.chain);
    } else if (e.type == pki::EntryType::kTrustedCert && !e.chain.empty()) {
      f->trusted.push_back(std::move(e.chain.front()));
    }
  }
}

Status DescribeKeystore(StatusOr<pki::StoreContents> parsed, std::ostream& os,
                        StoreFacts* facts) {
  if (!parsed.ok()) return parsed.status();
  PrintStore(os, *parsed);
  FactsOf(*parsed, facts);
  return OkStatus();
}

}  // namespace

Status DescribeStore(const std::string& label, const std::string& bytes,
                     const SecretBytes& password, std::ostream& os,
                     StoreFacts* facts) {
  os << "== " << Printable(label) << "\n";
  if (bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0xFE &&
      static_cast<unsigned char>(bytes[1]) == 0xED)
    return DescribeKeystore(pki::ParseJks(bytes, password), os, facts);
  if (bytes.find("-----BEGIN") != std::string::npos) {
    if (bytes.find("PRIVATE KEY-----") != std::string::npos) {
      ASSIGN_OR_RETURN(facts->key, pki::ParsePrivateKeyPem(SecretBytes(bytes)));
      facts->kind = "PEM private key";
      os << "Type: PEM private key\nKey: "
         << pki::KeyDescription(facts->key.get()) << "\n";
      return OkStatus();
    }
    ASSIGN_OR_RETURN(std::vector<pki::X509Ptr> certs,
                     pki::ParseCertificatesPem(bytes));
    facts->kind = "PEM certificates";
    os << "Type: PEM certificates\nCertificates: " << certs.size() << "\n";
    for (size_t i = 0; i < certs.size(); ++i) {
      os << "\nCertificate " << i + 1 << ":\n";
      PrintCert(os, certs[i].get(), "  ");
    }
    facts->trusted = pki::ShareCerts(certs);
    facts->key_chain = std::move(certs);
    return OkStatus();
  }
  if (!bytes.empty() && bytes[0] == 0x30)
    return DescribeKeystore(pki::ParsePkcs12(bytes, password), os, facts);
  return InvalidArgumentError(label + ": not a PKCS12, JKS or PEM file");
}

}  // namespace certstore::cli
