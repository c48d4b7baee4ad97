// Small filesystem helpers with Status errors.
#ifndef CERTSTORE_COMMON_FILES_H_
#define CERTSTORE_COMMON_FILES_H_

#include <map>
#include <string>

#include "operator/common/status.h"

namespace certstore {

// Reads a whole file. NotFound if it does not exist; Unavailable otherwise.
StatusOr<std::string> ReadFile(const std::string& path);

// Writes `bytes` to `path` atomically (temp file + rename) with file mode
// `mode`. Parent directories are created.
Status WriteFileAtomic(const std::string& path, const std::string& bytes,
                       unsigned mode = 0644);

// Writes `files` (name -> bytes) into directory `dir` all-or-nothing: they
// are written into a sibling temporary directory which then replaces `dir`.
// On error nothing at `dir` changes. `mode` applies to every file.
Status ReplaceDirectory(const std::string& dir,
                        const std::map<std::string, std::string>& files,
                        unsigned mode = 0600);

bool PathExists(const std::string& path);

}  // namespace certstore

#endif  // CERTSTORE_COMMON_FILES_H_
