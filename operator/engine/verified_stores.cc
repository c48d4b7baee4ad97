#include "operator/engine/verified_stores.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "operator/common/sha256.h"
#include "operator/pki/certificate.h"

namespace certstore::engine {
namespace {

void Field(std::string* out, const std::string& v) {
  *out += std::to_string(v.size()) + ":" + v + ";";
}

std::string PublicKeyDer(EVP_PKEY* key) {
  if (key == nullptr) return "";
  int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return "";
  std::string out(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_PUBKEY(key, &p);
  return out;
}

std::string Der(X509* c) { return c ? pki::EncodeCertificateDer(c) : ""; }

}  // namespace

std::shared_ptr<const VerifiedEntry> VerifiedStores::Find(
    const std::string& key, const std::string& data_digest) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.first->data_digest != data_digest)
    return nullptr;
  return it->second.first;
}

void VerifiedStores::Remember(const std::string& key, VerifiedEntry entry) {
  auto e = std::make_shared<const VerifiedEntry>(std::move(entry));
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      const VerifiedEntry& have = *it->second.first;
      bool fuller = e->desired_digest.empty() && !have.desired_digest.empty() &&
                    have.data_digest == e->data_digest;
      if (fuller) {
        // Confirmed again (a sealed check of the same bytes): kept, and
        // as young as the confirmation.
        auto node = it->second.second;
        order_.splice(order_.end(), order_, node);
        node->at = clock_.Monotonic();
      } else {
        order_.erase(it->second.second);
        entries_.erase(it);
      }
    }
    if (!entries_.count(key)) {
      order_.push_back({key, clock_.Monotonic()});
      entries_.emplace(key, std::make_pair(e, std::prev(order_.end())));
    }
    while (entries_.size() > capacity_) {
      entries_.erase(order_.front().key);
      order_.pop_front();
    }
  }
  if (listener_) listener_(key, *e);
}

void VerifiedStores::Forget(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  order_.erase(it->second.second);
  entries_.erase(it);
}

size_t VerifiedStores::Expire() {
  const MonotonicTime cutoff = clock_.Monotonic() - kMaxAge;
  std::vector<std::shared_ptr<const VerifiedEntry>> dropped;
  {
    std::lock_guard<std::mutex> l(mu_);
    while (!order_.empty() && order_.front().at < cutoff) {
      auto it = entries_.find(order_.front().key);
      dropped.push_back(std::move(it->second.first));
      entries_.erase(it);
      order_.pop_front();
    }
  }
  return dropped.size();  // freed here, outside the lock
}

size_t VerifiedStores::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return entries_.size();
}

std::string DataDigest(const std::map<std::string, std::string>& data) {
  std::string in;
  for (const auto& [k, v] : data) {
    Field(&in, k);
    Field(&in, v);
  }
  return Sha256Hex(in);
}

std::string DesiredDigest(const DesiredStores& d,
                          const std::set<std::string>& keys,
                          const SecretBytes& password,
                          pki::Pkcs12Profile profile, bool is_main) {
  std::string in = is_main ? "main;" : "trust;";
  Field(&in, std::to_string(static_cast<int>(profile)));
  for (const auto& k : keys) Field(&in, k);
  Field(&in, d.alias);
  Field(&in, PublicKeyDer(d.key.get()));
  Field(&in, Der(d.leaf.get()));
  for (const auto& c : d.chain) Field(&in, Der(c.get()));
  Field(&in, Der(d.root.get()));
  for (const auto& c : d.trust) Field(&in, Der(c.get()));
  Field(&in, password.reveal());
  std::string digest = Sha256Hex(in);
  SecureWipe(in.data(), in.size());  // held the password
  return digest;
}

}  // namespace certstore::engine
