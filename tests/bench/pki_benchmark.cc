// PKI cost, ours beside the raw OpenSSL calls that do the same work, so the
// overhead reads as a ratio (docs/benchmarks.md). Run: hack/bench.sh.
#include <benchmark/benchmark.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include "operator/common/clock.h"
#include "operator/pki/ca.h"
#include "operator/pki/certificate.h"
#include "operator/pki/issuer.h"
#include "operator/pki/jks.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"

namespace certstore::pki {
namespace {

const SecretBytes& Password() {
  static const SecretBytes pw("changeit-benchmark-password-0123");
  return pw;
}

struct Fixture {
  CaMaterial ca;
  EvpPkeyPtr leaf_key;
  X509Ptr leaf;
  Fixture() {
    const Clock& clock = SystemClock::Get();
    EvpPkeyPtr k = std::move(GenerateKey({KeyAlgorithm::kEcdsa, 256})).value();
    RootSpec rs;
    rs.subject.common_name = "Bench Root CA";
    ca = std::move(CreateSelfSignedCa(rs, k.get(), clock)).value();
    leaf_key = std::move(GenerateKey({KeyAlgorithm::kEcdsa, 256})).value();
    leaf = std::move(IssueLeaf(ca, Spec(), leaf_key.get(), clock).value().cert);
  }
  static LeafSpec Spec() {
    LeafSpec s;
    s.subject.common_name = "bench.lab.local";
    s.subject.organizations = {"Lab"};
    s.dns_names = {"bench.lab.local", "localhost"};
    s.ip_addresses = {"127.0.0.1"};
    s.server_auth = s.client_auth = true;
    return s;
  }
};
Fixture& F() {
  static Fixture f;
  return f;
}

// ---- key generation ----------------------------------------------------
KeySpec SpecFor(int64_t i) {
  switch (i) {
    case 0:
      return {KeyAlgorithm::kRsa, 2048};
    case 1:
      return {KeyAlgorithm::kEcdsa, 256};
    case 2:
      return {KeyAlgorithm::kEcdsa, 384};
    default:
      return {KeyAlgorithm::kEd25519, 0};
  }
}
const char* NameFor(int64_t i) {
  static const char* names[] = {"RSA-2048", "ECDSA-P256", "ECDSA-P384",
                                "Ed25519"};
  return names[i];
}

void BM_Keygen(benchmark::State& state) {
  KeySpec spec = SpecFor(state.range(0));
  state.SetLabel(NameFor(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(GenerateKey(spec));
}
BENCHMARK(BM_Keygen)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

void BM_RawKeygen(benchmark::State& state) {
  state.SetLabel(NameFor(state.range(0)));
  for (auto _ : state) {
    EVP_PKEY* k = nullptr;
    switch (state.range(0)) {
      case 0:
        k = EVP_RSA_gen(2048);
        break;
      case 1:
        k = EVP_EC_gen("P-256");
        break;
      case 2:
        k = EVP_EC_gen("P-384");
        break;
      default:
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        break;
    }
    EVP_PKEY_free(k);
  }
}
BENCHMARK(BM_RawKeygen)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

// ---- issuance ----------------------------------------------------------
void BM_IssueLeaf(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(IssueLeaf(F().ca, Fixture::Spec(),
                                       F().leaf_key.get(), SystemClock::Get()));
}
BENCHMARK(BM_IssueLeaf)->Unit(benchmark::kMicrosecond);

// The same certificate built with OpenSSL's config-string extension API.
X509* RawIssue(EVP_PKEY* key) {
  X509* ca = F().ca.cert.get();
  X509* x = X509_new();
  X509_set_version(x, X509_VERSION_3);
  BIGNUM* bn = BN_new();
  BN_rand(bn, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_NAME* n = X509_NAME_new();
  X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char*)"Lab",
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                             (const unsigned char*)"bench.lab.local", -1, -1,
                             0);
  X509_set_subject_name(x, n);
  X509_NAME_free(n);
  X509_set_issuer_name(x, X509_get_subject_name(ca));
  X509_set_pubkey(x, key);
  X509_gmtime_adj(X509_getm_notBefore(x), -300);
  X509_gmtime_adj(X509_getm_notAfter(x), 2160L * 3600);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca, x, nullptr, nullptr, 0);
  const char* exts[][2] = {
      {"basicConstraints", "critical,CA:FALSE"},
      {"keyUsage", "critical,digitalSignature"},
      {"extendedKeyUsage", "serverAuth,clientAuth"},
      {"subjectAltName", "DNS:bench.lab.local,DNS:localhost,IP:127.0.0.1"},
      {"subjectKeyIdentifier", "hash"},
      {"authorityKeyIdentifier", "keyid:always"}};
  for (auto& e : exts) {
    X509_EXTENSION* ext = X509V3_EXT_conf(nullptr, &ctx, e[0], e[1]);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, F().ca.key.get(), EVP_sha256());
  return x;
}

void BM_RawIssue(benchmark::State& state) {
  for (auto _ : state) X509_free(RawIssue(F().leaf_key.get()));
}
BENCHMARK(BM_RawIssue)->Unit(benchmark::kMicrosecond);

// ---- encoders ------------------------------------------------------------
std::vector<X509*> Chain() { return {F().leaf.get(), F().ca.cert.get()}; }

void BM_Pkcs12Keystore(benchmark::State& state) {
  auto profile =
      state.range(0) ? Pkcs12Profile::kLegacyDES : Pkcs12Profile::kModern2023;
  state.SetLabel(Pkcs12ProfileName(profile));
  for (auto _ : state)
    benchmark::DoNotOptimize(EncodePkcs12Keystore(
        F().leaf_key.get(), Chain(), "server", Password(), profile));
}
BENCHMARK(BM_Pkcs12Keystore)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);

std::string RawPkcs12(EVP_PKEY* key, X509* cert, bool legacy) {
  STACK_OF(X509)* ca = sk_X509_new_null();
  sk_X509_push(ca, F().ca.cert.get());
  int nid = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_aes_256_cbc;
  int iter = legacy ? kLegacyDesIterations : kModern2023Iterations;
  PKCS12* p12 =
      PKCS12_create(Password().reveal().c_str(), key ? "server" : nullptr, key,
                    cert, ca, nid, nid, iter, -1, 0);
  PKCS12_set_mac(p12, Password().reveal().c_str(), -1, nullptr, 0, iter,
                 legacy ? EVP_sha1() : EVP_sha256());
  unsigned char* der = nullptr;
  int len = i2d_PKCS12(p12, &der);
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  PKCS12_free(p12);
  sk_X509_free(ca);
  return out;
}

void BM_RawPkcs12Create(benchmark::State& state) {
  state.SetLabel(state.range(0) ? "LegacyDES" : "Modern2023");
  for (auto _ : state)
    benchmark::DoNotOptimize(
        RawPkcs12(F().leaf_key.get(), F().leaf.get(), state.range(0)));
}
BENCHMARK(BM_RawPkcs12Create)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);

void BM_Pkcs12Truststore(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(EncodePkcs12Truststore(
        {F().ca.cert.get()}, Password(), Pkcs12Profile::kModern2023));
}
BENCHMARK(BM_Pkcs12Truststore)->Unit(benchmark::kMillisecond);

void BM_RawPkcs12Truststore(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(RawPkcs12(nullptr, nullptr, false));
}
BENCHMARK(BM_RawPkcs12Truststore)->Unit(benchmark::kMillisecond);

void BM_JksKeystore(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(EncodeJksKeystore(F().leaf_key.get(), Chain(),
                                               "server", Password(),
                                               SystemClock::Get().Now()));
}
BENCHMARK(BM_JksKeystore)->Unit(benchmark::kMicrosecond);

void BM_PemEncode(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(EncodeCertificatesPem(Chain()));
    benchmark::DoNotOptimize(EncodePrivateKeyPem(F().leaf_key.get()));
  }
}
BENCHMARK(BM_PemEncode)->Unit(benchmark::kMicrosecond);

void BM_RawPemEncode(benchmark::State& state) {
  for (auto _ : state) {
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, F().leaf.get());
    PEM_write_bio_X509(b, F().ca.cert.get());
    PEM_write_bio_PKCS8PrivateKey(b, F().leaf_key.get(), nullptr, nullptr, 0,
                                  nullptr, nullptr);
    BIO_free(b);
  }
}
BENCHMARK(BM_RawPemEncode)->Unit(benchmark::kMicrosecond);

// ---- the whole job: key, certificate, keystore, truststore, PEM -----------
void BM_IssueAndEncode(benchmark::State& state) {
  for (auto _ : state) {
    EvpPkeyPtr key =
        std::move(GenerateKey({KeyAlgorithm::kEcdsa, 256})).value();
    auto issued =
        IssueLeaf(F().ca, Fixture::Spec(), key.get(), SystemClock::Get());
    std::vector<X509*> chain{issued->cert.get(), F().ca.cert.get()};
    benchmark::DoNotOptimize(EncodePkcs12Keystore(
        key.get(), chain, "server", Password(), Pkcs12Profile::kModern2023));
    benchmark::DoNotOptimize(EncodePkcs12Truststore(
        {F().ca.cert.get()}, Password(), Pkcs12Profile::kModern2023));
    benchmark::DoNotOptimize(EncodeCertificatesPem({issued->cert.get()}));
    benchmark::DoNotOptimize(EncodePrivateKeyPem(key.get()));
  }
}
BENCHMARK(BM_IssueAndEncode)->Unit(benchmark::kMillisecond);

void BM_RawIssueAndEncode(benchmark::State& state) {
  for (auto _ : state) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = RawIssue(key);
    benchmark::DoNotOptimize(RawPkcs12(key, cert, false));
    benchmark::DoNotOptimize(RawPkcs12(nullptr, nullptr, false));
    BIO* b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, cert);
    PEM_write_bio_PKCS8PrivateKey(b, key, nullptr, nullptr, 0, nullptr,
                                  nullptr);
    BIO_free(b);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
}
BENCHMARK(BM_RawIssueAndEncode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace certstore::pki

BENCHMARK_MAIN();
