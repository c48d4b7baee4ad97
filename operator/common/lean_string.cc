#include "operator/common/lean_string.h"

#include "operator/common/secret.h"

namespace certstore {

LeanString& LeanString::operator=(const LeanString& o) {
  if (this != &o) *this = std::string(o.str());
  return *this;
}

LeanString& LeanString::operator=(std::string s) {
  if (s.empty())
    text_.reset();
  else
    text_ = std::make_unique<std::string>(std::move(s));
  return *this;
}

const std::string& LeanString::str() const {
  static const std::string* const kEmpty = new std::string();
  return text_ ? *text_ : *kEmpty;
}

void LeanString::WipeAndClear() {
  if (text_) SecureWipe(text_->data(), text_->size());
  text_.reset();
}

}  // namespace certstore
