// A fresh directory under the system's temporary directory, removed with
// everything in it when the object goes (end of the test).
#ifndef CERTSTORE_TESTS_SUPPORT_TEMP_DIR_H_
#define CERTSTORE_TESTS_SUPPORT_TEMP_DIR_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace certstore::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "certstore-test") {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX"))
            .string();
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const {
    return path_ + "/" + rel;
  }

 private:
  std::string path_;
};

}  // namespace certstore::testing

#endif  // CERTSTORE_TESTS_SUPPORT_TEMP_DIR_H_
