// Where the seal key lives: made once (immutable, 32 random bytes) and read
// by every later start and replica; a Secret the operator did not make, or a
// malformed one, is refused with its name; a standby never creates it.
#include "operator/controller/seal_key_store.h"

#include <gtest/gtest.h>

#include "operator/common/base64.h"
#include "tests/support/fake_transport.h"

namespace certstore::controller {
namespace {
using certstore::testing::FakeTransport;

constexpr char kPath[] =
    "/api/v1/namespaces/certstore-system/secrets/certstore-operator-seal-key";

std::string KeySecret(const std::string& key, bool immutable) {
  return std::string("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",") +
         "\"metadata\":{\"name\":\"certstore-operator-seal-key\"," +
         "\"namespace\":\"certstore-system\"}," +
         (immutable ? "\"immutable\":true," : "") +
         "\"data\":{\"seal.key\":\"" + Base64Encode(key) + "\"}}";
}

TEST(SealKeyStoreTest, MadeOnceThenRead) {
  FakeTransport t;
  kube::Client client(t);
  auto made =
      LoadOrCreateSealKey(client, "certstore-system", kDefaultSealKeySecret);
  ASSERT_TRUE(made.ok()) << made.status();
  ASSERT_EQ(t.Count("POST"), 1);
  std::string body = t.Requests().back().body;
  EXPECT_NE(body.find("\"immutable\":true"), std::string::npos) << body;
  // The key it returned is the one it stored.
  EXPECT_NE(body.find(Base64Encode(made->bytes().reveal())), std::string::npos);

  // A later start reads it.
  t.objects[kPath] = KeySecret(made->bytes().reveal(), true);
  auto again =
      LoadOrCreateSealKey(client, "certstore-system", kDefaultSealKeySecret);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->bytes() == made->bytes());
  EXPECT_EQ(t.Count("POST"), 1);
}

TEST(SealKeyStoreTest, AStandbyNeverCreatesIt) {
  FakeTransport t;
  kube::Client client(t);
  auto k = LoadOrCreateSealKey(client, "certstore-system",
                               kDefaultSealKeySecret, /*create=*/false);
  EXPECT_EQ(k.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(t.Count("POST"), 0);
}

TEST(SealKeyStoreTest, TheLoserOfACreateRaceReadsTheWinnersKey) {
  FakeTransport t;
  kube::Client client(t);
  std::string winner(32, 'w');
  t.responses.push_back({404, "{\"kind\":\"Status\",\"code\":404}", {}});
  t.responses.push_back(
      {409,
       "{\"kind\":\"Status\",\"code\":409,\"reason\":\"AlreadyExists\"}",
       {}});
  t.objects[kPath] = KeySecret(winner, true);
  auto k =
      LoadOrCreateSealKey(client, "certstore-system", kDefaultSealKeySecret);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->bytes().reveal(), winner);
}

TEST(SealKeyStoreTest, BadKeySecretsAreRefusedByName) {
  struct Case {
    const char* name;
    std::string secret;
    const char* want;
  } cases[] = {
      {"not immutable", KeySecret(std::string(32, 'k'), false),
       "is not immutable"},
      {"short key", KeySecret("short", true), "32 bytes, got 5"},
      {"no key",
       "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"immutable\":true,"
       "\"data\":{}}",
       "no data key seal.key"},
  };
  for (const auto& c : cases) {
    FakeTransport t;
    kube::Client client(t);
    t.objects[kPath] = c.secret;
    auto k =
        LoadOrCreateSealKey(client, "certstore-system", kDefaultSealKeySecret);
    ASSERT_FALSE(k.ok()) << c.name;
    EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(k.status().message().find(
                  "certstore-system/certstore-operator-seal-key"),
              std::string::npos)
        << c.name << ": " << k.status();
    EXPECT_NE(k.status().message().find(c.want), std::string::npos)
        << c.name << ": " << k.status();
    EXPECT_EQ(t.Count("POST"), 0) << c.name << ": replaced a bad key Secret";
  }
}

}  // namespace
}  // namespace certstore::controller
