// YAML written from JSON (the plugin's -o yaml): every kind of value, in
// the JSON's member order, read back as the same data by a YAML parser.
#include "operator/api/emit.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace certstore::api {
namespace {

TEST(YamlFromJsonTest, EveryValueKindSurvivesTheTrip) {
  std::string yaml = YamlFromJson(
      R"({"name":"app","serial":"0123","count":3,"due":false,"none":null,)"
      R"("sans":["DNS:a","IP:127.0.0.1"],"empty":[],"nested":{"k":"v: x"}})");
  ASSERT_FALSE(yaml.empty());
  YAML::Node n = YAML::Load(yaml);
  EXPECT_EQ(n["name"].as<std::string>(), "app");
  // Quoted: YAML 1.1 would read 0123 as a number.
  EXPECT_NE(yaml.find("serial: \"0123\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("count: 3\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("due: false\n"), std::string::npos) << yaml;
  EXPECT_EQ(n["count"].as<int>(), 3);
  EXPECT_FALSE(n["due"].as<bool>());
  EXPECT_TRUE(n["none"].IsNull());
  ASSERT_EQ(n["sans"].size(), 2u);
  EXPECT_EQ(n["sans"][1].as<std::string>(), "IP:127.0.0.1");
  EXPECT_EQ(n["empty"].size(), 0u);
  EXPECT_EQ(n["nested"]["k"].as<std::string>(), "v: x");
}

TEST(YamlFromJsonTest, NotJsonIsEmpty) {
  EXPECT_EQ(YamlFromJson("{not json"), "");
  EXPECT_EQ(YamlFromJson(""), "");
}

}  // namespace
}  // namespace certstore::api
