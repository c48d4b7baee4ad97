// `kubectl-certstore inspect`: what a store file holds, in keytool's terms.
// Private keys are described (type and size), never printed.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "operator/cli/args.h"
#include "operator/cli/commands.h"
#include "operator/common/files.h"
#include "operator/pki/certificate.h"
#include "operator/pki/jks.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"

namespace certstore::cli {
namespace {
namespace fs = std::filesystem;

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "-" : out;
}

void PrintCert(std::ostream& os, X509* c, const std::string& indent) {
  pki::CertificateInfo i = pki::DescribeCertificate(c);
  os << indent << "Subject:     " << i.subject << "\n"
     << indent << "Issuer:      " << i.issuer << "\n"
     << indent << "Serial:      " << i.serial_hex << "\n"
     << indent << "Valid:       " << i.not_before << " until " << i.not_after
     << "\n"
     << indent << "Key:         " << i.key << (i.is_ca ? " (CA)" : "") << "\n"
     << indent << "SANs:        " << Join(i.sans) << "\n"
     << indent << "Key usage:   " << Join(i.key_usage) << "\n"
     << indent << "Ext. usage:  " << Join(i.extended_key_usage) << "\n"
     << indent << "SHA-256:     " << i.fingerprint_sha256 << "\n";
}

void PrintStore(std::ostream& os, const pki::StoreContents& c) {
  os << "Type: " << c.format << "\nProtection: " << c.protection
     << "\nEntries: " << c.entries.size() << "\n";
  int n = 0;
  for (const auto& e : c.entries) {
    os << "\nEntry " << ++n << ": alias \"" << e.alias << "\", "
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

// 0 ok, 1 failure. Writes the description of one file to `os`.
Status InspectFile(const std::string& path, const SecretBytes& password,
                   std::ostream& os) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  os << "== " << path << "\n";
  if (bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0xFE &&
      static_cast<unsigned char>(bytes[1]) == 0xED) {
    ASSIGN_OR_RETURN(pki::StoreContents c, pki::ParseJks(bytes, password));
    PrintStore(os, c);
    return OkStatus();
  }
  if (bytes.find("-----BEGIN") != std::string::npos) {
    if (bytes.find("PRIVATE KEY-----") != std::string::npos) {
      ASSIGN_OR_RETURN(pki::EvpPkeyPtr k,
                       pki::ParsePrivateKeyPem(SecretBytes(bytes)));
      os << "Type: PEM private key\nKey: " << pki::KeyDescription(k.get())
         << "\n";
      return OkStatus();
    }
    ASSIGN_OR_RETURN(std::vector<pki::X509Ptr> certs,
                     pki::ParseCertificatesPem(bytes));
    os << "Type: PEM certificates\nCertificates: " << certs.size() << "\n";
    for (size_t i = 0; i < certs.size(); ++i) {
      os << "\nCertificate " << i + 1 << ":\n";
      PrintCert(os, certs[i].get(), "  ");
    }
    return OkStatus();
  }
  if (!bytes.empty() && bytes[0] == 0x30) {
    ASSIGN_OR_RETURN(pki::StoreContents c, pki::ParsePkcs12(bytes, password));
    PrintStore(os, c);
    return OkStatus();
  }
  return InvalidArgumentError(path + ": not a PKCS12, JKS or PEM file");
}

// The whole of standard input (--password-file -).
StatusOr<std::string> ReadStdin() {
  std::ostringstream ss;
  ss << std::cin.rdbuf();
  if (std::cin.bad()) return UnavailableError("cannot read standard input");
  return ss.str();
}

}  // namespace

int RunInspect(const std::vector<std::string>& argv) {
  auto args =
      ParseArgs(argv, {{"password", 'p'}, {"password-file"}, {"password-env"}});
  if (!args.ok() || args->positional.size() != 1) {
    std::cerr << "inspect: "
              << (args.ok() ? "need exactly one FILE or DIR"
                            : args.status().message())
              << "\n";
    return 2;
  }
  std::string target = args->positional[0];
  std::error_code ec;
  bool is_dir = fs::is_directory(target, ec);
  std::string password = args->Get("password");
  std::string pwfile = args->Get("password-file");
  std::string pwenv = args->Get("password-env");
  if (!pwenv.empty()) {
    // Out of argv (ps shows argv to every user of the machine).
    const char* v = std::getenv(pwenv.c_str());
    if (v == nullptr) {
      std::cerr << "inspect: --password-env: environment variable " << pwenv
                << " is not set\n";
      return 1;
    }
    password = v;
  }
  if (pwfile.empty() && password.empty() && is_dir &&
      PathExists(target + "/password"))
    pwfile = target + "/password";
  if (!pwfile.empty()) {
    auto p = pwfile == "-" ? ReadStdin() : ReadFile(pwfile);
    if (!p.ok()) {
      std::cerr << "inspect: " << p.status().message() << "\n";
      return 1;
    }
    password = *p;
    while (!password.empty() &&
           (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
  }
  SecretBytes pw(std::move(password));
  std::vector<std::string> files;
  if (is_dir) {
    for (auto& e : fs::directory_iterator(target, ec))
      if (e.is_regular_file() && e.path().filename() != "password" &&
          e.path().filename().string()[0] != '.')
        files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(target);
  }
  int rc = 0;
  for (const auto& f : files) {
    std::ostringstream os;
    Status st = InspectFile(f, pw, os);
    std::cout << os.str();
    if (!st.ok()) {
      std::cerr << "inspect: " << f << ": " << st.message() << "\n";
      rc = 1;
    }
    std::cout << "\n";
  }
  return rc;
}

}  // namespace certstore::cli
